import RatifyCore

/// Ledger state as opaque key/value bytes, plus the app hash recorded for each height.
/// Read-only: state changes only through `BlockStore.commit`, together with the block that
/// caused them, so the state on disk always belongs to the latest stored block.
public struct StateStore: Sendable {
    let environment: LMDBEnvironment
    let databases: ChainDatabases

    /// liblmdb's default maximum key size (`mdb_env_get_maxkeysize`).
    public static let keyBytesMax = 511
    /// `entries(prefix:limit:)` returns at most this many entries per call.
    public static let entriesPerScanMax = 100_000

    init(environment: LMDBEnvironment, databases: ChainDatabases) {
        self.environment = environment
        self.databases = databases
    }

    public func value(forKey key: [UInt8]) throws -> [UInt8]? {
        guard !key.isEmpty, key.count <= Self.keyBytesMax else {
            throw StoreError.invalidKey(database: databases.state.name, length: key.count, max: Self.keyBytesMax)
        }
        return try environment.read { try $0.get(databases.state, key) }
    }

    /// Entries whose key starts with `prefix`, in key order, at most `limit` of them.
    public func entries(prefix: [UInt8], limit: Int) throws -> [LMDBEntry] {
        let cap = min(max(limit, 0), Self.entriesPerScanMax)
        return try environment.read { transaction in
            var found: [LMDBEntry] = []
            guard cap > 0 else { return found }
            try transaction.forEach(databases.state, from: prefix.isEmpty ? nil : prefix) { entry in
                guard entry.key.starts(with: prefix) else { return false }
                found.append(entry)
                return found.count < cap
            }
            return found
        }
    }

    /// Every stored key-value pair in key order, in one read snapshot: the node loads its
    /// whole ledger state this way at start-up.
    public func allEntries() throws -> [LMDBEntry] {
        try environment.read { transaction in
            var found: [LMDBEntry] = []
            try transaction.forEach(databases.state, from: nil) { entry in
                found.append(entry)
                return true
            }
            return found
        }
    }

    /// Writes ledger changes (nil value: delete) into `database` inside a write transaction:
    /// a decided block's, or a proof-of-work reorg's undo data and new blocks'.
    static func apply(_ writes: [StateWrite], to database: LMDBDatabase, in transaction: LMDBWriteTransaction) throws {
        for write in writes {
            guard !write.key.isEmpty, write.key.count <= keyBytesMax else {
                throw StoreError.invalidKey(database: database.name, length: write.key.count, max: keyBytesMax)
            }
            if let value = write.value {
                try transaction.put(database, write.key, value)
            } else {
                _ = try transaction.delete(database, write.key)
            }
        }
    }

    /// The app hash after applying block `height`.
    public func appHash(height: UInt64) throws -> Hash? {
        try environment.read { transaction in
            guard let bytes = try transaction.get(databases.appHashes, StoreKey.height(height)) else { return nil }
            guard let hash = Hash(bytes) else {
                throw StoreError.invalidRecord(database: databases.appHashes.name, reason: "height \(height) holds \(bytes.count) bytes, not a 32-byte hash")
            }
            return hash
        }
    }
}
