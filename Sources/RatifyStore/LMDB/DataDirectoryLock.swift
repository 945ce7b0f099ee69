#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<data>/ratify.lock`, held for as long as the environment is open.
///
/// liblmdb itself happily lets several processes share an environment, so without this two
/// `ratify start` runs on one home would both sign votes from the same signer state. `flock`
/// (not `fcntl`) because its lock belongs to the open file description: closing some other
/// descriptor on the same file in this process does not silently drop it. `O_CLOEXEC` keeps
/// child processes from inheriting it. The kernel releases the lock when the process dies,
/// so a crash never leaves a stale lock behind; the pid written inside is only for the message.
final class DataDirectoryLock: Sendable {
    static let fileName = "ratify.lock"

    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    static func acquire(directory: String) throws -> DataDirectoryLock {
        let path = directory + "/" + fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw StoreError.io(path: path, operation: "open", errno: code, message: String(cString: strerror(code)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let owner = readOwner(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK {
                throw StoreError.dataDirectoryInUse(path: directory, pid: owner)
            }
            throw StoreError.io(path: path, operation: "flock", errno: code, message: String(cString: strerror(code)))
        }
        let line = Array("\(getpid())\n".utf8)
        // Best effort: the pid only improves the message another process prints.
        if ftruncate(descriptor, 0) == 0 {
            _ = line.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        return DataDirectoryLock(path: path, descriptor: descriptor)
    }

    /// Releases the lock. Called exactly once, by `LMDBEnvironment.close()`.
    func release() {
        close(descriptor)
    }

    /// The pid the current holder wrote, if it is readable (it may be mid-write).
    private static func readOwner(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        let digits = text.prefix { $0.isNumber }
        return Int32(digits)
    }
}
