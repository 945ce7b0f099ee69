import CLMDB

extension LMDBWriteTransaction {
    /// Deletes every record of `database`, keeping the database itself (`mdb_drop` with del = 0).
    public func empty(_ database: LMDBDatabase) throws {
        let transaction = try liveHandle()
        try noteAndCheck(mdb_drop(transaction, database.handle, 0), "mdb_drop(\(database.name))")
    }
}
