import Foundation

/// The bytes this process has handed to write system calls (`wchar` in /proc/self/io): read
/// before and after a commit, the difference is what LMDB wrote for it (dirty pages and the
/// meta page). Benchmarks/baseline/lmdb_baseline.c reports the same figure for its commits.
enum ProcessIO {
    /// Bytes written so far, or nil where /proc/self/io is not available (not Linux).
    static func bytesWritten() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
            return UInt64(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
