import RatifyCore

extension NodeStore {
    /// What `rollbackLatest` undid.
    public struct RollbackSummary: Sendable, Equatable {
        /// The height whose state was undone; its block and commit are kept for re-execution.
        public var height: UInt64
        public var blockHash: Hash
    }

    /// CometBFT's `rollback`: undoes the state the latest block H produced, in one write
    /// transaction, so the node re-executes block H when it starts. The ledger state becomes
    /// `previousState` (the state after H - 1, which the caller recomputes and checks against
    /// the stored app hash of H - 1); H's app hash, the validator set it decided for H + 2 and
    /// its transactions' index entries go; `latest_height` becomes H - 1. Block H, its commit
    /// and their hash indexes stay (re-storing them at H is allowed), and so does the signer
    /// state. Refused (`RollbackRefused`) on a store without blocks, or when block H is not the
    /// one the caller prepared for (`expectedBlockHash`).
    public func rollbackLatest(previousState: [(key: [UInt8], value: [UInt8])], transactionsOfLatest: [Hash],
                               expectedBlockHash: Hash) throws -> RollbackSummary {
        let path = environment.path
        return try environment.write { transaction in
            let latest = try BlockStore.latestHeight(in: transaction, databases)
            guard latest > 0 else { throw RollbackRefused("\(path): no block is stored; there is nothing to roll back") }
            let heightKey = StoreKey.height(latest)
            guard let stored = try transaction.get(databases.blockHashes, heightKey).flatMap(Hash.init), stored == expectedBlockHash else {
                throw RollbackRefused("\(path): block \(latest) is not the block the rollback was prepared for; nothing was changed")
            }
            try transaction.empty(databases.state)
            for entry in previousState { try transaction.put(databases.state, entry.key, entry.value) }
            try transaction.delete(databases.appHashes, heightKey)
            let (decidedSetHeight, overflow) = latest.addingReportingOverflow(2)
            if !overflow { try transaction.delete(databases.validatorSets, StoreKey.height(decidedSetHeight)) }
            for hash in transactionsOfLatest { try transaction.delete(databases.transactions, hash.bytes) }
            if latest == 1 {
                try transaction.delete(databases.meta, MetaKey.latestHeight)
            } else {
                try transaction.put(databases.meta, MetaKey.latestHeight, StoreKey.height(latest - 1))
            }
            return RollbackSummary(height: latest, blockHash: stored)
        }
    }
}

/// Why `rollbackLatest` changed nothing, in one line.
public struct RollbackRefused: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
