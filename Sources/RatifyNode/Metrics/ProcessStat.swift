import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a process's /proc/PID/stat line says about its CPU time, memory and start (proc(5)):
/// for the process metrics on /metrics and the benchmarks' samples of validator processes.
public struct ProcessStat: Sendable, Equatable {
    /// User plus system CPU time.
    public var cpuSeconds: Double
    public var residentBytes: UInt64
    /// When the process started, in seconds since the machine booted.
    public var startSecondsAfterBoot: Double

    /// nil when the line is not a stat line. The command name (field 2) is in parentheses and
    /// may itself hold spaces and parentheses, so fields are counted from the last `)`.
    public init?(statLine: String, clockTicksPerSecond: Double, pageBytes: UInt64) {
        guard clockTicksPerSecond > 0, let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
        guard fields.count > 21, let user = UInt64(fields[11]), let system = UInt64(fields[12]),
              let start = UInt64(fields[19]), let residentPages = Int64(fields[21]) else { return nil }
        cpuSeconds = Double(user + system) / clockTicksPerSecond
        startSecondsAfterBoot = Double(start) / clockTicksPerSecond
        let (bytes, overflow) = UInt64(max(residentPages, 0)).multipliedReportingOverflow(by: pageBytes)
        residentBytes = overflow ? .max : bytes
    }

    /// The stat file at `path` (`/proc/self/stat`, `/proc/PID/stat`); nil where it cannot be read.
    public static func read(path: String) -> ProcessStat? {
        #if os(Linux)
        guard let line = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return ProcessStat(statLine: line, clockTicksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
                           pageBytes: UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 0)))
        #else
        return nil
        #endif
    }

    /// The `btime` line of /proc/stat: when the machine booted, in seconds since 1970.
    public static func bootTimeSeconds(procStat: String) -> Double? {
        procStat.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst("btime ".count)) }
    }
}
