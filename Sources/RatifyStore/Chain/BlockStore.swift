import RatifyCore

/// Decided blocks, their commits and the indexes between heights and block hashes.
///
/// Values are opaque canonical encodings, so the store does not depend on consensus types.
/// `commit` is the only writer, and it writes a block, its commit, both indexes, the ledger
/// state changes, the app hash and the new latest height in ONE durable LMDB transaction: after
/// a crash either all of height H is there or none of it is.
public struct BlockStore: Sendable {
    let environment: LMDBEnvironment
    let databases: ChainDatabases

    /// The first height of every chain this store holds (CometBFT's default initial height).
    public static let heightFirst: UInt64 = 1
    /// A block may change at most this many ledger keys (a limit on one transaction's size).
    public static let stateWritesPerBlockMax = 1_000_000
    /// `verify` stops collecting after this many problems.
    public static let problemsMax = 1_000

    init(environment: LMDBEnvironment, databases: ChainDatabases) {
        self.environment = environment
        self.databases = databases
    }

    /// The highest committed height, or 0 when no block has been committed.
    public func latestHeight() throws -> UInt64 {
        try environment.read { try Self.latestHeight(in: $0, databases) }
    }

    public func blockBytes(height: UInt64) throws -> [UInt8]? {
        try environment.read { try $0.get(databases.blocks, StoreKey.height(height)) }
    }

    public func commitBytes(height: UInt64) throws -> [UInt8]? {
        try environment.read { try $0.get(databases.commits, StoreKey.height(height)) }
    }

    public func blockHash(height: UInt64) throws -> Hash? {
        try environment.read { transaction in
            guard let bytes = try transaction.get(databases.blockHashes, StoreKey.height(height)) else { return nil }
            guard let hash = Hash(bytes) else {
                throw StoreError.invalidRecord(database: databases.blockHashes.name, reason: "height \(height) holds \(bytes.count) bytes, not a 32-byte hash")
            }
            return hash
        }
    }

    public func height(blockHash: Hash) throws -> UInt64? {
        try environment.read { transaction in
            guard let bytes = try transaction.get(databases.blockHeights, blockHash.bytes) else { return nil }
            guard let height = StoreKey.decodeHeight(bytes) else {
                throw StoreError.invalidRecord(database: databases.blockHeights.name, reason: "hash \(blockHash.hex) maps to \(bytes.count) bytes, not an 8-byte height")
            }
            return height
        }
    }

    /// Stores decided block `height` with everything it produced, atomically and durably.
    /// `height` must be `latestHeight() + 1`. When this returns, a crash cannot lose any of it;
    /// when it throws, none of it was stored.
    /// `validatorSets` are (height, canonical set bytes) pairs decided by this block, stored in
    /// the same transaction.
    public func commit(
        height: UInt64, blockBytes: [UInt8], commitBytes: [UInt8], blockHash: Hash,
        stateWrites: [StateWrite], appHash: Hash, validatorSets: [(height: UInt64, bytes: [UInt8])] = [],
        transactions: [(hash: Hash, location: [UInt8])] = [],
        alsoWrite: (LMDBWriteTransaction) throws -> Void = { _ in }
    ) throws {
        try commit([DecidedBlockWrite(height: height, blockBytes: blockBytes, commitBytes: commitBytes, blockHash: blockHash,
                                      stateWrites: stateWrites, appHash: appHash, validatorSets: validatorSets,
                                      transactions: transactions)],
                   alsoWrite: alsoWrite)
    }

    /// Stores consecutive decided blocks, the first at `latestHeight() + 1`, in one atomic and
    /// durable write transaction (or as `sync` says): block sync applies a run of blocks with
    /// one commit instead of one per block. All or none of them are stored.
    public func commit(_ blocks: [DecidedBlockWrite], sync: LMDBCommitSync = .durable,
                       alsoWrite: (LMDBWriteTransaction) throws -> Void = { _ in }) throws {
        try environment.write(sync: sync) { transaction in
            try write(blocks, in: transaction)
            try alsoWrite(transaction)
        }
    }

    private func write(_ blocks: [DecidedBlockWrite], in transaction: LMDBWriteTransaction) throws {
        for block in blocks where block.stateWrites.count > Self.stateWritesPerBlockMax {
            throw StoreError.tooManyRecords(database: databases.state.name, max: Self.stateWritesPerBlockMax)
        }
        var latest = try Self.latestHeight(in: transaction, databases)
        for block in blocks {
            let (expected, overflow) = latest.addingReportingOverflow(1)
            guard !overflow, block.height == expected else {
                throw StoreError.heightOutOfOrder(path: environment.path, expected: expected, got: block.height)
            }
            try put(block, in: transaction)
            latest = block.height
        }
    }

    func put(_ block: DecidedBlockWrite, in transaction: LMDBWriteTransaction) throws {
        let heightKey = StoreKey.height(block.height)
        // The same block again at its own height is a rolled-back height being re-executed.
        if let existing = try transaction.get(databases.blockHeights, block.blockHash.bytes), existing != heightKey {
            throw StoreError.duplicateBlockHash(path: environment.path, hash: block.blockHash, height: StoreKey.decodeHeight(existing) ?? 0)
        }
        if let replaced = try transaction.get(databases.blockHashes, heightKey), replaced != block.blockHash.bytes {
            try transaction.delete(databases.blockHeights, replaced)
        }
        try transaction.put(databases.blocks, heightKey, block.blockBytes)
        try transaction.put(databases.commits, heightKey, block.commitBytes)
        try transaction.put(databases.blockHashes, heightKey, block.blockHash.bytes)
        try transaction.put(databases.blockHeights, block.blockHash.bytes, heightKey)
        try transaction.put(databases.appHashes, heightKey, block.appHash.bytes)
        try StateStore.apply(block.stateWrites, to: databases.state, in: transaction)
        for (setHeight, bytes) in block.validatorSets {
            try transaction.put(databases.validatorSets, StoreKey.height(setHeight), bytes)
        }
        for (hash, location) in block.transactions {
            try transaction.put(databases.transactions, hash.bytes, location)
        }
        try transaction.put(databases.meta, MetaKey.latestHeight, heightKey)
    }

    /// Stores validator sets outside a block commit: the genesis sets of heights 1 and 2,
    /// written once when a node first starts. Existing heights are never overwritten.
    public func storeValidatorSets(_ validatorSets: [(height: UInt64, bytes: [UInt8])]) throws {
        try environment.write { transaction in
            for (setHeight, bytes) in validatorSets where try transaction.get(databases.validatorSets, StoreKey.height(setHeight)) == nil {
                try transaction.put(databases.validatorSets, StoreKey.height(setHeight), bytes)
            }
        }
    }

    /// The stored location record of a final transaction, if any.
    public func transactionLocationBytes(hash: Hash) throws -> [UInt8]? {
        try environment.read { try $0.get(databases.transactions, hash.bytes) }
    }

    /// The canonical bytes of the validator set of `height`, if stored.
    public func validatorSetBytes(height: UInt64) throws -> [UInt8]? {
        try environment.read { try $0.get(databases.validatorSets, StoreKey.height(height)) }
    }

    /// Checks, in one consistent snapshot, that every kept height (the earliest kept, 1 unless
    /// pruned, through the latest) has its
    /// block, commit, hash and app hash; that the height->hash and hash->height indexes agree;
    /// that nothing is stored past the latest height or below the earliest; and, when `hashOfBlock` is given, that
    /// each block's bytes hash to the indexed hash (a `hashOfBlock` that throws, e.g. on bytes
    /// that do not decode, is reported as a problem at that height). Returns what is wrong (empty when healthy),
    /// at most `problemsMax` entries. Reads every block: meant for `ratify store check` and
    /// tests, not for the hot path.
    public func verify(hashOfBlock: ((_ blockBytes: [UInt8]) throws -> Hash)? = nil) throws -> [StoreProblem] {
        try environment.read { transaction in
            var problems: [StoreProblem] = []
            func report(_ height: UInt64?, _ detail: String) {
                if problems.count < Self.problemsMax { problems.append(StoreProblem(height: height, detail: detail)) }
            }
            if try transaction.get(databases.meta, MetaKey.genesisHash)?.count != 32 {
                report(nil, "the genesis hash is missing or malformed")
            }
            let latest: UInt64
            do {
                latest = try Self.latestHeight(in: transaction, databases)
            } catch {
                report(nil, "the latest height record is malformed: \(error)")
                return problems
            }
            let earliest: UInt64
            do {
                earliest = try Self.earliestHeight(in: transaction, databases)
            } catch {
                report(nil, "the earliest kept height record is malformed: \(error)")
                return problems
            }
            // A rolled-back height leaves latest one below a kept block, so earliest may be latest + 1.
            if earliest > latest + 1 {
                report(nil, "the earliest kept height \(earliest) is past the latest height \(latest)")
                return problems
            }
            if let last = try transaction.last(databases.blocks) {
                let lastHeight = StoreKey.decodeHeight(last.key)
                if lastHeight.map({ $0 > latest }) ?? true {
                    report(lastHeight, "a block is stored past the latest height \(latest)")
                }
            }
            if let first = try transaction.withCursor(databases.blocks, { try $0.first() }) {
                let firstHeight = StoreKey.decodeHeight(first.key)
                if firstHeight.map({ $0 < earliest }) ?? true {
                    report(firstHeight, "a block is stored below the earliest kept height \(earliest)")
                }
            }
            var height = earliest
            while height <= latest, problems.count < Self.problemsMax {
                try verifyHeight(height, transaction, hashOfBlock, report)
                height += 1
            }
            let kept = latest + 1 - earliest
            let blockCount = try transaction.count(databases.blocks)
            let indexCount = try transaction.count(databases.blockHeights)
            if UInt64(blockCount) != kept {
                report(nil, "\(blockCount) blocks are stored for heights \(earliest)...\(latest)")
            }
            if UInt64(indexCount) != kept {
                report(nil, "\(indexCount) hash->height entries are stored for heights \(earliest)...\(latest)")
            }
            return problems
        }
    }

    private func verifyHeight(
        _ height: UInt64, _ transaction: LMDBTransaction,
        _ hashOfBlock: (([UInt8]) throws -> Hash)?,
        _ report: (UInt64?, String) -> Void
    ) throws {
        let key = StoreKey.height(height)
        let block = try transaction.get(databases.blocks, key)
        if block == nil { report(height, "the block is missing") }
        if try transaction.get(databases.commits, key) == nil { report(height, "the commit is missing") }
        if try transaction.get(databases.appHashes, key)?.count != 32 { report(height, "the app hash is missing or malformed") }
        guard let hashBytes = try transaction.get(databases.blockHashes, key) else {
            report(height, "the block hash is missing from the height->hash index")
            return
        }
        guard let hash = Hash(hashBytes) else {
            report(height, "the height->hash index holds \(hashBytes.count) bytes, not a hash")
            return
        }
        let indexed = try transaction.get(databases.blockHeights, hash.bytes).flatMap(StoreKey.decodeHeight)
        if indexed != height {
            report(height, "the hash->height index maps \(hash.short) to \(indexed.map(String.init) ?? "nothing")")
        }
        if let hashOfBlock, let block {
            do {
                let computed = try hashOfBlock(block)
                if computed != hash {
                    report(height, "the block hashes to \(computed.short) but the index says \(hash.short)")
                }
            } catch {
                report(height, "the block's bytes cannot be hashed: \(error)")
            }
        }
    }

    static func latestHeight(in transaction: LMDBTransaction, _ databases: ChainDatabases) throws -> UInt64 {
        guard let bytes = try transaction.get(databases.meta, MetaKey.latestHeight) else { return 0 }
        guard let height = StoreKey.decodeHeight(bytes) else {
            throw StoreError.invalidRecord(database: databases.meta.name, reason: "latest_height is \(bytes.count) bytes, not 8")
        }
        return height
    }
}
