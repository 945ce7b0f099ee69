import CLMDB

/// A failed liblmdb call: the return code, liblmdb's own text for it (`mdb_strerror`, which
/// also covers plain `errno` values such as ENOSPC), the call that failed and the environment's
/// directory. Keeping the raw code lets callers react to specific conditions (map full, not
/// found) while the description stays a one-line message an operator can act on.
public struct LMDBError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    /// The liblmdb function that returned `code`, e.g. `mdb_put`.
    public let operation: String
    /// The environment's data directory.
    public let path: String

    public init(code: Int32, operation: String, path: String) {
        self.code = code
        self.operation = operation
        self.path = path
        if let text = mdb_strerror(code) {
            self.message = String(cString: text)
        } else {
            self.message = "unknown error"
        }
    }

    public var isMapFull: Bool { code == MDB_MAP_FULL }

    /// True for codes that mean the data file itself is damaged, as opposed to a misuse or a
    /// resource limit; such a store must not be written to again.
    public var meansCorruption: Bool {
        code == MDB_CORRUPTED || code == MDB_PAGE_NOTFOUND || code == MDB_INVALID
            || code == MDB_PANIC || code == MDB_VERSION_MISMATCH
    }

    public var description: String {
        var line = "\(operation) failed in \(path): \(message) (code \(code))"
        if meansCorruption {
            line += "; the store is damaged: \(StoreError.damagedAdvice)"
        }
        return line
    }
}
