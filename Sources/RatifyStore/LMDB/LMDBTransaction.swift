import CLMDB

/// A read transaction: a consistent snapshot of the environment for the duration of the
/// closure passed to `LMDBEnvironment.read`. The object must not escape that closure; if it
/// does, every method throws `StoreError.transactionFinished` instead of touching freed memory.
///
/// Not `Sendable` on purpose: a write transaction belongs to the thread that began it, and
/// keeping transactions out of other isolation domains makes the compiler enforce that.
public class LMDBTransaction {
    let environmentPath: String
    /// nil once the transaction has been committed or aborted.
    var handle: OpaquePointer?

    init(handle: OpaquePointer, environmentPath: String) {
        self.handle = handle
        self.environmentPath = environmentPath
    }

    func liveHandle() throws -> OpaquePointer {
        guard let handle else { throw StoreError.transactionFinished(path: environmentPath) }
        return handle
    }

    func check(_ status: Int32, _ operation: String) throws {
        guard status == 0 else { throw LMDBError(code: status, operation: operation, path: environmentPath) }
    }

    /// A copy of the value stored under `key`, or nil.
    public func get(_ database: LMDBDatabase, _ key: [UInt8]) throws -> [UInt8]? {
        let transaction = try liveHandle()
        return try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var dataValue = MDB_val()
            let status = mdb_get(transaction, database.handle, &keyValue, &dataValue)
            if status == MDB_NOTFOUND { return nil }
            try check(status, "mdb_get(\(database.name))")
            return Self.copy(dataValue)
        }
    }

    /// The number of entries in `database`.
    public func count(_ database: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(try liveHandle(), database.handle, &stat), "mdb_stat(\(database.name))")
        return stat.ms_entries
    }

    /// Runs `body` with a cursor on `database`; the cursor is closed when `body` returns.
    public func withCursor<Result>(_ database: LMDBDatabase, _ body: (LMDBCursor) throws -> Result) throws -> Result {
        var cursorHandle: OpaquePointer?
        try check(mdb_cursor_open(try liveHandle(), database.handle, &cursorHandle), "mdb_cursor_open(\(database.name))")
        guard let cursorHandle else {
            throw LMDBError(code: MDB_BAD_TXN, operation: "mdb_cursor_open(\(database.name))", path: environmentPath)
        }
        let cursor = LMDBCursor(handle: cursorHandle, database: database, transaction: self)
        defer { cursor.close() }
        return try body(cursor)
    }

    /// Visits entries in key order starting at the first key >= `startKey` (or the first key),
    /// until `body` returns false or the database ends.
    public func forEach(
        _ database: LMDBDatabase, from startKey: [UInt8]? = nil,
        _ body: (LMDBEntry) throws -> Bool
    ) throws {
        try withCursor(database) { cursor in
            var entry = try startKey.map { try cursor.seek(atOrAfter: $0) } ?? cursor.first()
            while let current = entry {
                guard try body(current) else { return }
                entry = try cursor.next()
            }
        }
    }

    /// The entry with the greatest key, or nil when the database is empty.
    public func last(_ database: LMDBDatabase) throws -> LMDBEntry? {
        try withCursor(database) { try $0.last() }
    }

    static func copy(_ value: MDB_val) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }
}
