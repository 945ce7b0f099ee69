import RatifyCore

extension NodeStore {
    /// What `takeSnapshot` read, ready for `SnapshotStore.write`.
    public struct SnapshotContents: Sendable {
        public var height: UInt64
        public var appHash: Hash
        public var blockHash: Hash
        public var stateEntries: UInt64
        /// Chunk 0 (the validator sets), then the state chunks.
        public var chunks: [[UInt8]]
    }

    /// The ledger state after the latest stored block, with that height's app hash, block hash
    /// and the validator sets of the next two heights, read in ONE read transaction, so the
    /// pairs are exactly the state that app hash names however the node writes meanwhile. Nil
    /// before the first block. Runs on the calling thread, start to end (LMDB read
    /// transactions belong to their thread).
    public func takeSnapshot(stateChunkBytes: Int = SnapshotChunk.stateBytesTarget) throws -> SnapshotContents? {
        let read = try environment.read { transaction -> (UInt64, Hash, Hash, [[UInt8]], [(key: [UInt8], value: [UInt8])])? in
            let height = try BlockStore.latestHeight(in: transaction, blocks.databases)
            guard height > 0 else { return nil }
            let databases = blocks.databases
            let key = StoreKey.height(height)
            guard let appHashBytes = try transaction.get(databases.appHashes, key), let appHash = Hash(appHashBytes),
                  let blockHashBytes = try transaction.get(databases.blockHashes, key), let blockHash = Hash(blockHashBytes) else {
                throw StoreError.invalidRecord(database: databases.appHashes.name, reason: "height \(height) lacks its app hash or block hash")
            }
            var sets: [[UInt8]] = []
            for setHeight in height...(height + 2) {
                guard let bytes = try transaction.get(databases.validatorSets, StoreKey.height(setHeight)) else {
                    throw StoreError.invalidRecord(database: databases.validatorSets.name, reason: "no validator set for height \(setHeight)")
                }
                sets.append(bytes)
            }
            var pairs: [(key: [UInt8], value: [UInt8])] = []
            try transaction.forEach(databases.state, from: nil) { entry in
                pairs.append((entry.key, entry.value))
                return true
            }
            return (height, appHash, blockHash, sets, pairs)
        }
        guard let (height, appHash, blockHash, sets, pairs) = read else { return nil }
        let chunks = [SnapshotChunk.chain(validatorSets: sets)] + SnapshotChunk.state(pairs, targetBytes: stateChunkBytes)
        return SnapshotContents(height: height, appHash: appHash, blockHash: blockHash, stateEntries: UInt64(pairs.count), chunks: chunks)
    }
}

extension NodeStore {
    /// Makes an empty store hold a restored snapshot, in ONE durable write transaction: the
    /// state pairs, block `height` with its commit (the node's last block and last commit),
    /// its app hash, the validator sets of `height ... height + 2`, and `latest_height` =
    /// `earliest_height` = `height`, as a store pruned below `height` would be. The caller has
    /// verified all of it (state sync); this only refuses a store that already holds a chain.
    public func restoreSnapshot(height: UInt64, blockBytes: [UInt8], commitBytes: [UInt8], blockHash: Hash, appHash: Hash,
                                validatorSets: [[UInt8]], statePairs: [(key: [UInt8], value: [UInt8])]) throws {
        guard height > 0, validatorSets.count == 3 else {
            throw StoreError.invalidRecord(database: blocks.databases.meta.name, reason: "a snapshot restores at a height above 0 with three validator sets")
        }
        try environment.write { transaction in
            let databases = blocks.databases
            guard try BlockStore.latestHeight(in: transaction, databases) == 0, try transaction.count(databases.state) == 0 else {
                throw StoreError.invalidRecord(database: databases.meta.name,
                                               reason: "a snapshot restores into an empty store only; this one already holds a chain (ratify reset first)")
            }
            let block = DecidedBlockWrite(height: height, blockBytes: blockBytes, commitBytes: commitBytes, blockHash: blockHash,
                                          stateWrites: [], appHash: appHash,
                                          validatorSets: validatorSets.enumerated().map { (height + UInt64($0.offset), $0.element) })
            try blocks.put(block, in: transaction)
            try StateStore.apply(statePairs.map { StateWrite(key: $0.key, value: $0.value) }, to: databases.state, in: transaction)
            try transaction.put(databases.meta, MetaKey.earliestHeight, StoreKey.height(height))
        }
    }
}
