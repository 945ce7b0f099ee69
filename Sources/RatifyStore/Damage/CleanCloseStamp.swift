#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `data/ratify.closed`: what `data.mdb` looked like (device, inode, size, modification and
/// change times) right after `LMDBEnvironment.close()` closed it. While the file still matches,
/// nothing has written to it since a clean close, so `ratify start` may skip the store walk
/// (`StoreWalkChild`). A node that crashed, a store edited or damaged by another program, a
/// copied or restored `data/` (another inode) all fail to match and are walked. Not fsynced:
/// a lost stamp only costs one walk. Silent damage by the disk itself changes none of these
/// fields; `ratify store check` walks regardless.
enum CleanCloseStamp {
    static let fileName = "ratify.closed"

    /// Records the data file's identity; best effort (a missing stamp means "walk").
    static func record(directory: String) {
        guard let line = identity(directory) else { return }
        let path = directory + "/" + fileName
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// True when the stamp exists and the data file is exactly as it was when the stamp was written.
    static func matches(directory: String) -> Bool {
        guard let current = identity(directory) else { return false }
        let descriptor = open(directory + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        return String(decoding: buffer.prefix(count), as: UTF8.self) == current + "\n"
    }

    private static func identity(_ directory: String) -> String? {
        var info = stat()
        guard stat(directory + "/" + DataFileIntegrity.dataFileName, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec, changed = info.st_ctimespec
        #else
        let modified = info.st_mtim, changed = info.st_ctim
        #endif
        return "data.mdb dev \(info.st_dev) inode \(info.st_ino) bytes \(info.st_size) mtime \(modified.tv_sec).\(modified.tv_nsec) ctime \(changed.tv_sec).\(changed.tv_nsec)"
    }
}
