import Foundation
import RatifyCore
import RatifyStore

/// A `NodeStore` in a fresh directory of its own, created for one benchmark and removed after.
///
/// The directory is made under `$RATIFY_BENCH_STORE_DIR`, or `/var/tmp` (disk-backed by
/// convention, unlike `/tmp` on many systems). Durability is the point of these benchmarks, so
/// a tmpfs is refused; the file system found is printed to standard error.
final class BenchStore {
    static let parentVariable = "RATIFY_BENCH_STORE_DIR"
    static let parentDefault = "/var/tmp"
    /// A map large enough that it never grows during a run: growth (a doubling, then the write
    /// retried) happens a handful of times in a store's life, but 2–3 times in the first few
    /// hundred blocks of a new one, where it would land exactly on the p99.
    static let options = LMDBOptions(mapBytesInitial: 8 << 30)

    let directory: String
    let store: NodeStore

    init(name: String) throws {
        let parent = ProcessInfo.processInfo.environment[Self.parentVariable] ?? Self.parentDefault
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        var template = Array("\(parent)/ratify-\(name)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchStoreError("cannot create a directory under \(parent): \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        let fileSystem = Self.fileSystemName(directory)
        FileHandle.standardError.write(Data("\(name): store in \(directory), file system \(fileSystem)\n".utf8))
        guard !fileSystem.hasPrefix("tmpfs") else {
            try? FileManager.default.removeItem(atPath: directory)
            throw BenchStoreError("\(directory) is on a tmpfs: set \(Self.parentVariable) to a directory on a disk")
        }
        store = try NodeStore.open(dataDirectory: directory, genesisHash: Hash.sha256(Array(name.utf8)), options: Self.options)
    }

    /// Closes the store and removes its directory.
    func remove() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The type of the file system `path` is on (ext4, xfs, tmpfs, ...): the longest mount point
    /// in /proc/self/mounts that contains it. Glibc's module map has no `statfs`, and this is
    /// what `stat -f` and `findmnt` report too.
    static func fileSystemName(_ path: String) -> String {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
            return "unknown (no /proc/self/mounts)"
        }
        var best: (mountPoint: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // Mount points escape spaces and the like as octal (\040); none of ours has one.
            let mountPoint = String(fields[1])
            let contains = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if contains, mountPoint.count >= (best?.mountPoint.count ?? 0) {
                best = (mountPoint, String(fields[2]))
            }
        }
        guard let best else { return "unknown" }
        return "\(best.type) (mounted at \(best.mountPoint))"
    }
}
