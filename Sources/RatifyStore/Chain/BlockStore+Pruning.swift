import RatifyCore

/// Block pruning (`[storage] retain_blocks`): the oldest heights' blocks, commits, hash
/// indexes, app hashes, validator sets and transaction-index entries are deleted in small
/// write transactions, each of which also moves `meta`'s `earliest_height` past what it
/// deleted. A crash between two batches therefore leaves a store whose kept heights are
/// exactly `earliest_height ... latest_height`, each whole; `verify` checks that range.
extension BlockStore {
    /// What one `pruneBatch` call removed.
    public struct PruneBatch: Sendable, Equatable {
        /// The heights deleted, all below `earliestHeight`.
        public var heightsRemoved: Range<UInt64>
        public var transactionsRemoved: Int
        /// The lowest height kept after this batch.
        public var earliestHeight: UInt64
    }

    /// The lowest height whose block is kept: 1 until pruning has removed something.
    public func earliestHeight() throws -> UInt64 {
        try environment.read { try Self.earliestHeight(in: $0, databases) }
    }

    /// The lowest height to keep when `retainBlocks` heights are kept below and including
    /// `latest`; 1 (keep everything) when `retainBlocks` is 0 or covers the whole chain.
    public static func retainedFrom(latest: UInt64, retainBlocks: UInt64) -> UInt64 {
        guard retainBlocks > 0, latest > retainBlocks else { return heightFirst }
        return latest - retainBlocks + 1
    }

    /// Deletes the oldest kept heights below `retainedFrom(latest:retainBlocks:)`, at most
    /// `heightsMax` of them and, after the first height, no more once `transactionsMax`
    /// transaction-index entries were deleted, in ONE durable write transaction that also
    /// records the new earliest height. Returns nil when nothing is left to prune. Keeping the
    /// transaction small bounds how long the node's next block commit waits for the writer lock.
    public func pruneBatch(retainBlocks: UInt64, heightsMax: Int, transactionsMax: Int) throws -> PruneBatch? {
        precondition(heightsMax > 0 && transactionsMax > 0, "a prune batch must be allowed to remove something")
        return try environment.write { transaction in
            let latest = try Self.latestHeight(in: transaction, databases)
            let earliest = try Self.earliestHeight(in: transaction, databases)
            let keepFrom = Self.retainedFrom(latest: latest, retainBlocks: retainBlocks)
            guard earliest < keepFrom else { return nil }
            var height = earliest, transactionsRemoved = 0
            while height < keepFrom, height - earliest < UInt64(heightsMax), height == earliest || transactionsRemoved < transactionsMax {
                transactionsRemoved += try deleteHeight(height, in: transaction)
                height += 1
            }
            try transaction.put(databases.meta, MetaKey.earliestHeight, StoreKey.height(height))
            return PruneBatch(heightsRemoved: earliest..<height, transactionsRemoved: transactionsRemoved, earliestHeight: height)
        }
    }

    /// Deletes everything stored for one height below the kept range; returns how many
    /// transaction-index entries went. A missing block is not an error here (`verify` reports
    /// it); a block that does not decode is, since its transactions' entries could not be found.
    private func deleteHeight(_ height: UInt64, in transaction: LMDBWriteTransaction) throws -> Int {
        let key = StoreKey.height(height)
        var transactionsRemoved = 0
        if let bytes = try transaction.get(databases.blocks, key) {
            let block: Block
            do {
                block = try Block(canonicalBytes: bytes)
            } catch {
                throw StoreError.invalidRecord(database: databases.blocks.name, reason: "block at height \(height), being pruned: \(error)")
            }
            for item in block.transactions {
                let hash = item.hash.bytes
                // Only this height's entry: the index names the block a transaction is final in.
                guard let location = try transaction.get(databases.transactions, hash), location.count >= 8,
                      StoreKey.decodeHeight(Array(location.prefix(8))) == height else { continue }
                if try transaction.delete(databases.transactions, hash) { transactionsRemoved += 1 }
            }
            try transaction.delete(databases.blocks, key)
        }
        if let hash = try transaction.get(databases.blockHashes, key) {
            try transaction.delete(databases.blockHeights, hash)
            try transaction.delete(databases.blockHashes, key)
        }
        try transaction.delete(databases.commits, key)
        try transaction.delete(databases.appHashes, key)
        try transaction.delete(databases.validatorSets, key)
        return transactionsRemoved
    }

    static func earliestHeight(in transaction: LMDBTransaction, _ databases: ChainDatabases) throws -> UInt64 {
        guard let bytes = try transaction.get(databases.meta, MetaKey.earliestHeight) else { return heightFirst }
        guard let height = StoreKey.decodeHeight(bytes), height >= heightFirst else {
            throw StoreError.invalidRecord(database: databases.meta.name, reason: "earliest_height is \(bytes.count) bytes, not a height of 8")
        }
        return height
    }
}
