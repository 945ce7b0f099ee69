import CLMDB

/// A write transaction, passed to the closure of `LMDBEnvironment.write`. Everything written
/// through it becomes visible, and durable, together when the closure returns; if the closure
/// throws, none of it does.
public final class LMDBWriteTransaction: LMDBTransaction {
    /// Set when liblmdb reported `MDB_MAP_FULL`, even if the caller caught that error: the
    /// transaction is then unusable and the environment grows the map and runs the closure again.
    private(set) var sawMapFull = false

    public func put(_ database: LMDBDatabase, _ key: [UInt8], _ value: [UInt8]) throws {
        let transaction = try liveHandle()
        let status = key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var dataValue = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_put(transaction, database.handle, &keyValue, &dataValue, 0)
            }
        }
        try noteAndCheck(status, "mdb_put(\(database.name))")
    }

    /// Deletes `key`; returns whether it was present.
    @discardableResult
    public func delete(_ database: LMDBDatabase, _ key: [UInt8]) throws -> Bool {
        let transaction = try liveHandle()
        let status = key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_del(transaction, database.handle, &keyValue, nil)
        }
        if status == MDB_NOTFOUND { return false }
        try noteAndCheck(status, "mdb_del(\(database.name))")
        return true
    }

    /// Deletes every key in `[startKey, endKey)`; returns how many were deleted.
    @discardableResult
    public func deleteRange(_ database: LMDBDatabase, from startKey: [UInt8], below endKey: [UInt8]) throws -> Int {
        try withCursor(database) { cursor in
            var deleted = 0
            var entry = try cursor.seek(atOrAfter: startKey)
            while let current = entry, current.key.lexicographicallyPrecedes(endKey) {
                try cursor.deleteCurrent()
                deleted += 1
                // Re-seek rather than rely on where MDB_cursor_del leaves the cursor at a page
                // boundary: one more O(log n) lookup per deleted key buys obvious correctness.
                entry = try cursor.seek(atOrAfter: startKey)
            }
            return deleted
        }
    }

    func noteAndCheck(_ status: Int32, _ operation: String) throws {
        if status == MDB_MAP_FULL { sawMapFull = true }
        try check(status, operation)
    }

    func commit() -> Int32 {
        guard let transaction = handle else { return MDB_BAD_TXN }
        handle = nil
        return mdb_txn_commit(transaction)
    }

    func abort() {
        guard let transaction = handle else { return }
        handle = nil
        mdb_txn_abort(transaction)
    }
}
