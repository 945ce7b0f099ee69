#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few file operations the node shell needs, on POSIX calls so that permissions are set
/// at creation (a key file is never readable by others, not even for an instant) and so that
/// reads are bounded before memory is allocated.
public enum FileIO {
    /// Reads a whole file of at most `maxBytes`. Failures are one-line errors naming `path`.
    public static func read(_ path: String, maxBytes: Int) throws(FileFormatError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileFormatError(file: path, location: "", reason: "cannot read: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileFormatError(file: path, location: "", reason: "cannot read: \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileFormatError(file: path, location: "", reason: "not a regular file")
        }
        guard info.st_size <= maxBytes else {
            throw FileFormatError(file: path, location: "", reason: "\(info.st_size) bytes is over the limit of \(maxBytes)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileFormatError(file: path, location: "", reason: "cannot read: \(errnoText())")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk.prefix(count))
            guard bytes.count <= maxBytes else {
                throw FileFormatError(file: path, location: "", reason: "grew over the limit of \(maxBytes) bytes while being read")
            }
        }
    }

    /// Creates `path` with `mode` (never widened afterwards) and writes `bytes`, then fsyncs.
    /// With `exclusive`, an existing file is an error rather than overwritten: key files are
    /// never replaced by accident.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t, exclusive: Bool) throws(FileSystemError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "already exists; refusing to overwrite it" : errnoText()
            throw FileSystemError(path: path, operation: "cannot create", reason: reason)
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, operation: "cannot write", reason: errnoText())
            }
            offset += count
        }
        guard fsync(fd) == 0 else { throw FileSystemError(path: path, operation: "cannot write", reason: errnoText()) }
    }

    /// `mkdir -p` with `mode` for directories it creates.
    public static func createDirectory(_ path: String, mode: Int = 0o700) throws(FileSystemError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw FileSystemError(path: path, operation: "cannot create directory", reason: "\(error.localizedDescription)")
        }
    }

    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
