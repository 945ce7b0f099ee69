import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on `data.mdb` that liblmdb does not make, so that a damaged store fails loudly at
/// open instead of being silently re-created or read past its end.
///
/// - liblmdb treats an empty (0-byte) `data.mdb` as a brand-new environment and initialises
///   it, and a missing one is simply created. Either would turn a lost data file into an empty
///   chain. So once an environment has been durably created, a marker file
///   (`ratify.created`) is written beside it; with the marker present, a missing or short data
///   file is an error.
/// - liblmdb validates only the two meta pages. A file truncated after them opens fine and then
///   faults (SIGBUS) when a page past the end is touched, so after opening, every page up to the
///   last one the newest meta page names must be in the file, or be free (`LMDBFreePages`).
enum DataFileIntegrity {
    static let dataFileName = "data.mdb"
    static let markerFileName = "ratify.created"

    /// Before `mdb_env_open`: is the data file present and long enough to hold both meta pages?
    static func checkBeforeOpen(directory: String) throws {
        let dataPath = directory + "/" + dataFileName
        let markerExists = fileSize(directory + "/" + markerFileName) != nil
        let metaBytes = 2 * pageBytes()
        switch fileSize(dataPath) {
        case nil:
            if markerExists {
                throw StoreError.corrupted(path: directory, reason: "\(dataFileName) is missing but \(markerFileName) shows a store was created here")
            }
        case let size? where size == 0 && !markerExists:
            // Created but never initialised (a crash inside the first open): nothing was stored.
            break
        case let size? where size < metaBytes:
            throw StoreError.corrupted(path: directory, reason: "\(dataFileName) is \(size) bytes, shorter than its \(metaBytes)-byte header (truncated)")
        default:
            break
        }
    }

    /// After `mdb_env_open`: does the file reach the last page in use?
    static func checkAfterOpen(directory: String, environment: OpaquePointer) throws {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        let infoStatus = mdb_env_info(environment, &info)
        let statStatus = mdb_env_stat(environment, &stat)
        guard infoStatus == 0 else { throw LMDBError(code: infoStatus, operation: "mdb_env_info", path: directory) }
        guard statStatus == 0 else { throw LMDBError(code: statStatus, operation: "mdb_env_stat", path: directory) }
        let (pages, overflowA) = info.me_last_pgno.addingReportingOverflow(1)
        let (needed, overflowB) = pages.multipliedReportingOverflow(by: Int(stat.ms_psize))
        guard !overflowA, !overflowB else {
            throw StoreError.corrupted(path: directory, reason: "the meta page claims an impossible last page \(info.me_last_pgno)")
        }
        let size = fileSize(directory + "/" + dataFileName) ?? 0
        guard size < needed else { return }
        // Short is healthy only when every page past the end is free: LMDB never writes a page
        // allocated and freed again within one transaction, and it may be the highest one.
        let truncated = StoreError.corrupted(path: directory, reason: "\(dataFileName) is \(size) bytes but its pages reach \(needed) bytes (truncated)")
        let free: Set<UInt64>
        do {
            free = try LMDBFreePages.read(path: directory + "/" + dataFileName, pageBytes: Int(stat.ms_psize),
                                          transactionID: UInt64(info.me_last_txnid))
        } catch {
            throw truncated
        }
        let firstMissing = UInt64(size / Int(stat.ms_psize))
        guard (firstMissing...UInt64(info.me_last_pgno)).allSatisfy(free.contains) else { throw truncated }
    }

    /// Writes the marker durably (file and directory entry) once the environment's meta pages
    /// have been synced. Idempotent.
    static func markCreated(directory: String) throws {
        let path = directory + "/" + markerFileName
        if fileSize(path) != nil { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError(path, "open") }
        defer { close(descriptor) }
        let text = Array("ratify store created by pid \(getpid())\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count else { throw ioError(path, "write") }
        guard fsync(descriptor) == 0 else { throw ioError(path, "fsync") }
        try syncDirectory(directory)
    }

    static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(directory, "open") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ioError(directory, "fsync") }
    }

    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    static func pageBytes() -> Int {
        let size = sysconf(Int32(_SC_PAGESIZE))
        return size > 0 ? size : 4096
    }

    private static func ioError(_ path: String, _ operation: String) -> StoreError {
        let code = errno
        return StoreError.io(path: path, operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
