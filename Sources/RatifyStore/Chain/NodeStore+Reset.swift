import RatifyCore

extension NodeStore {
    /// What `resetChain` removed and kept.
    public struct ResetSummary: Sendable, Equatable {
        /// The latest stored height before the reset (0: no blocks).
        public var latestHeightBefore: UInt64
        /// The double-sign guard's position, the same before and after (nil: never signed).
        public var signerKept: SignPosition?
    }

    /// Databases `resetChain` empties: everything derived from the chain. Kept: `signer` (the
    /// double-sign guard's and the checkpoint signer's last positions) and `meta`'s genesis
    /// hash and layout version (other `meta` records describe the chain and go).
    var chainDerived: [LMDBDatabase] {
        [databases.blocks, databases.commits, databases.blockHashes, databases.blockHeights, databases.appHashes, databases.state,
         databases.wal, databases.validatorSets, databases.transactions, databases.powBlocks, databases.powUndo, databases.powBest,
         databases.ffgVotes]
    }

    /// CometBFT's `unsafe-reset-all`: deletes blocks, commits, ledger state, indexes and the
    /// consensus WAL in one write transaction, so the node starts again from its genesis. The
    /// signer state stays: a reset validator refuses to sign at or below what it signed before,
    /// so it can never double-sign.
    public func resetChain() throws -> ResetSummary {
        let keptMeta = [MetaKey.genesisHash, MetaKey.formatVersion]
        let signerBefore = try signer.lastSigned()
        let latest = try environment.write { transaction in
            let latest = try BlockStore.latestHeight(in: transaction, databases)
            for database in chainDerived { try transaction.empty(database) }
            var doomed: [[UInt8]] = []
            try transaction.forEach(databases.meta) { entry in
                if !keptMeta.contains(entry.key) { doomed.append(entry.key) }
                return true
            }
            for key in doomed { try transaction.delete(databases.meta, key) }
            return latest
        }
        let signerAfter = try signer.lastSigned()
        // Paired with the read before: the one record the reset exists to keep.
        precondition(signerAfter == signerBefore, "the reset changed the signer state")
        return ResetSummary(latestHeightBefore: latest, signerKept: signerAfter?.position)
    }
}
