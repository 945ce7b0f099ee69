import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A position in one database, for range scans. Lives only inside
/// `LMDBTransaction.withCursor`; every move returns a copied entry, or nil past either end.
public final class LMDBCursor {
    private var handle: OpaquePointer?
    public let database: LMDBDatabase
    private let transaction: LMDBTransaction

    init(handle: OpaquePointer, database: LMDBDatabase, transaction: LMDBTransaction) {
        self.handle = handle
        self.database = database
        self.transaction = transaction
    }

    public func first() throws -> LMDBEntry? { try move(MDB_FIRST) }
    public func last() throws -> LMDBEntry? { try move(MDB_LAST) }
    public func next() throws -> LMDBEntry? { try move(MDB_NEXT) }
    public func previous() throws -> LMDBEntry? { try move(MDB_PREV) }
    /// The entry under the cursor, or nil when it is not on one.
    public func current() throws -> LMDBEntry? {
        do {
            return try move(MDB_GET_CURRENT)
        } catch let error as LMDBError where error.code == EINVAL {
            // liblmdb answers EINVAL when the cursor was never positioned.
            return nil
        }
    }

    /// Positions at the first key >= `key`.
    public func seek(atOrAfter key: [UInt8]) throws -> LMDBEntry? {
        let cursor = try liveHandle()
        return try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var dataValue = MDB_val()
            let status = mdb_cursor_get(cursor, &keyValue, &dataValue, MDB_SET_RANGE)
            return try entry(status, keyValue, dataValue, "mdb_cursor_get(\(database.name), SET_RANGE)")
        }
    }

    /// Deletes the entry under the cursor (write transactions only).
    public func deleteCurrent() throws {
        let cursor = try liveHandle()
        guard let writer = transaction as? LMDBWriteTransaction else {
            throw LMDBError(code: EACCES, operation: "mdb_cursor_del(\(database.name)) in a read transaction", path: transaction.environmentPath)
        }
        try writer.noteAndCheck(mdb_cursor_del(cursor, 0), "mdb_cursor_del(\(database.name))")
    }

    func close() {
        guard let cursor = handle else { return }
        handle = nil
        mdb_cursor_close(cursor)
    }

    private func liveHandle() throws -> OpaquePointer {
        // The transaction's liveness matters too: a cursor is freed with a write transaction.
        _ = try transaction.liveHandle()
        guard let handle else { throw StoreError.transactionFinished(path: transaction.environmentPath) }
        return handle
    }

    private func move(_ operation: MDB_cursor_op) throws -> LMDBEntry? {
        let cursor = try liveHandle()
        var keyValue = MDB_val()
        var dataValue = MDB_val()
        let status = mdb_cursor_get(cursor, &keyValue, &dataValue, operation)
        return try entry(status, keyValue, dataValue, "mdb_cursor_get(\(database.name))")
    }

    private func entry(_ status: Int32, _ key: MDB_val, _ value: MDB_val, _ operation: String) throws -> LMDBEntry? {
        // EINVAL from GET_CURRENT means the cursor is not on an entry (e.g. after deleting the last one).
        if status == MDB_NOTFOUND { return nil }
        try transaction.check(status, operation)
        return LMDBEntry(key: LMDBTransaction.copy(key), value: LMDBTransaction.copy(value))
    }
}
