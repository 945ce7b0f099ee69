import RatifyCore

/// A proof-of-work chain on disk: every accepted block by hash, the best chain by height, the
/// ledger state of the best tip (the same `state` database a PoS node uses) and per-block undo
/// data. Values are opaque bytes: the store knows no block format.
///
/// **Undo data, not snapshots.** Each block on the best chain keeps the ledger keys it changed
/// with their values before it. A reorg of depth d rewrites only the keys those d blocks
/// touched; a snapshot per block would copy the whole state each block (docs/POW.md, "Reorg").
///
/// **One transaction per tip change.** `moveTip` undoes the disconnected blocks, applies the
/// connected ones, rewrites the best-chain index, the transaction index and the tip record in
/// one durable LMDB write transaction. A SIGKILL at any instant leaves either the old tip with
/// its state or the new tip with its state.
public struct PoWChainStore: Sendable {
    let environment: LMDBEnvironment
    let databases: ChainDatabases

    /// The best chain's tip and the app hash of the state stored for it.
    public struct Tip: Equatable, Sendable {
        public var height: UInt64
        public var hash: Hash
        public var appHash: Hash

        public init(height: UInt64, hash: Hash, appHash: Hash) {
            self.height = height
            self.hash = hash
            self.appHash = appHash
        }
    }

    /// A block leaving the best chain (newest first in `moveTip`).
    public struct Disconnected: Sendable {
        public var height: UInt64
        public var hash: Hash
        /// Its transactions, whose index entries go with it.
        public var transactionHashes: [Hash]

        public init(height: UInt64, hash: Hash, transactionHashes: [Hash]) {
            self.height = height
            self.hash = hash
            self.transactionHashes = transactionHashes
        }
    }

    /// A block joining the best chain (oldest first in `moveTip`), with what executing it did.
    public struct Connected: Sendable {
        public var height: UInt64
        public var hash: Hash
        public var stateWrites: [StateWrite]
        /// The values `stateWrites`' keys had before the block (nil: absent).
        public var undo: [StateWrite]
        /// (transaction hash, `BlockStore.transactionLocationBytes`).
        public var transactions: [(hash: Hash, location: [UInt8])]

        public init(height: UInt64, hash: Hash, stateWrites: [StateWrite], undo: [StateWrite],
                    transactions: [(hash: Hash, location: [UInt8])]) {
            self.height = height
            self.hash = hash
            self.stateWrites = stateWrites
            self.undo = undo
            self.transactions = transactions
        }
    }

    init(environment: LMDBEnvironment, databases: ChainDatabases) {
        self.environment = environment
        self.databases = databases
    }

    // MARK: Blocks

    /// Stores an accepted block (its header passed the chain's checks) under its hash.
    /// Storing the same hash again changes nothing.
    public func putBlock(hash: Hash, bytes: [UInt8]) throws {
        try environment.write { transaction in
            guard try transaction.get(databases.powBlocks, hash.bytes) == nil else { return }
            try transaction.put(databases.powBlocks, hash.bytes, bytes)
        }
    }

    public func blockBytes(hash: Hash) throws -> [UInt8]? {
        try environment.read { try $0.get(databases.powBlocks, hash.bytes) }
    }

    /// Every stored block, for rebuilding the block tree at start-up.
    public func allBlocks() throws -> [(hash: Hash, bytes: [UInt8])] {
        try environment.read { transaction in
            var found: [(hash: Hash, bytes: [UInt8])] = []
            try transaction.forEach(databases.powBlocks, from: nil) { entry in
                if let hash = Hash(entry.key) { found.append((hash, entry.value)) }
                return true
            }
            return found
        }
    }

    // MARK: The best chain

    public func tip() throws -> Tip? {
        try environment.read { try Self.tip(in: $0, databases) }
    }

    /// The best chain's block at `height`.
    public func bestHash(height: UInt64) throws -> Hash? {
        try environment.read { transaction in
            guard let bytes = try transaction.get(databases.powBest, StoreKey.height(height)) else { return nil }
            guard let hash = Hash(bytes) else {
                throw StoreError.invalidRecord(database: databases.powBest.name, reason: "height \(height) holds \(bytes.count) bytes, not a hash")
            }
            return hash
        }
    }

    /// The undo data stored for a block of the best chain.
    public func undo(hash: Hash) throws -> [StateWrite]? {
        try environment.read { transaction in
            try transaction.get(databases.powUndo, hash.bytes).map { try decodeUndo($0, hash: hash) }
        }
    }

    /// Moves the best chain's tip: undoes `disconnect` (the old tip first, down to the fork
    /// point's child) with their stored undo data, applies `connect` (the fork point's child
    /// first, up to `newTip`), all in one durable transaction. Refuses, changing nothing, a plan
    /// that does not start at the stored tip, skips a height, or names a block not stored.
    public func moveTip(disconnect: [Disconnected], connect: [Connected], newTip: Tip) throws {
        let path = environment.path
        try environment.write { transaction in
            var height = try Self.tip(in: transaction, databases)?.height ?? 0
            for block in disconnect {
                // Height 0 is genesis, never disconnected (and the height below it does not exist).
                guard block.height == height, height > 0,
                      try transaction.get(databases.powBest, StoreKey.height(height)) == block.hash.bytes else {
                    throw StoreError.corrupted(path: path, reason: "cannot disconnect \(block.hash) at height \(block.height): it is not the best chain's tip (height \(height))")
                }
                guard let bytes = try transaction.get(databases.powUndo, block.hash.bytes) else {
                    throw StoreError.invalidRecord(database: databases.powUndo.name, reason: "no undo data for block \(block.hash)")
                }
                try apply(try decodeUndo(bytes, hash: block.hash), in: transaction)
                _ = try transaction.delete(databases.powUndo, block.hash.bytes)
                _ = try transaction.delete(databases.powBest, StoreKey.height(height))
                for hash in block.transactionHashes { _ = try transaction.delete(databases.transactions, hash.bytes) }
                height -= 1
            }
            for block in connect {
                guard height < UInt64.max, block.height == height + 1 else {
                    throw StoreError.heightOutOfOrder(path: path, expected: height &+ 1, got: block.height)
                }
                guard try transaction.get(databases.powBlocks, block.hash.bytes) != nil else {
                    throw StoreError.invalidRecord(database: databases.powBlocks.name, reason: "block \(block.hash) joins the best chain but is not stored")
                }
                try apply(block.stateWrites, in: transaction)
                try transaction.put(databases.powUndo, block.hash.bytes, encodeUndo(block.undo))
                try transaction.put(databases.powBest, StoreKey.height(block.height), block.hash.bytes)
                for (hash, location) in block.transactions { try transaction.put(databases.transactions, hash.bytes, location) }
                height = block.height
            }
            guard newTip.height == height else {
                throw StoreError.heightOutOfOrder(path: path, expected: height, got: newTip.height)
            }
            try transaction.put(databases.meta, MetaKey.powTip, StoreKey.height(newTip.height) + newTip.hash.bytes + newTip.appHash.bytes)
        }
    }

    // MARK: Encoding

    private func apply(_ writes: [StateWrite], in transaction: LMDBWriteTransaction) throws {
        guard writes.count <= BlockStore.stateWritesPerBlockMax else {
            throw StoreError.tooManyRecords(database: databases.state.name, max: BlockStore.stateWritesPerBlockMax)
        }
        try StateStore.apply(writes, to: databases.state, in: transaction)
    }

    func encodeUndo(_ writes: [StateWrite]) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 * writes.count + 4)
        writer.write(UInt32(truncatingIfNeeded: writes.count))
        for write in writes {
            writer.writeBytes(write.key)
            writer.write(write.value != nil)
            if let value = write.value { writer.writeBytes(value) }
        }
        return writer.bytes
    }

    func decodeUndo(_ bytes: [UInt8], hash: Hash) throws -> [StateWrite] {
        let decoded: Result<[StateWrite], DecodeError> = bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            return Result { () throws(DecodeError) in
                let count = try reader.readCount(max: BlockStore.stateWritesPerBlockMax, "undo.count")
                var writes: [StateWrite] = []
                for _ in 0..<count {
                    let key = try reader.readBytes(max: StateStore.keyBytesMax, "undo.key")
                    let value = try reader.readBool("undo.present") ? try reader.readBytes(max: Int(UInt32.max), "undo.value") : nil
                    writes.append(StateWrite(key: key, value: value))
                }
                try reader.finish("undo")
                return writes
            }
        }
        switch decoded {
        case .success(let writes): return writes
        case .failure(let error): throw StoreError.invalidRecord(database: databases.powUndo.name, reason: "block \(hash): \(error)")
        }
    }

    static func tip(in transaction: LMDBTransaction, _ databases: ChainDatabases) throws -> Tip? {
        guard let bytes = try transaction.get(databases.meta, MetaKey.powTip) else { return nil }
        guard bytes.count == 72, let height = StoreKey.decodeHeight(Array(bytes[0..<8])), let hash = Hash(bytes[8..<40]),
              let appHash = Hash(bytes[40..<72]) else {
            throw StoreError.invalidRecord(database: databases.meta.name, reason: "pow_tip is \(bytes.count) bytes, not 72")
        }
        return Tip(height: height, hash: hash, appHash: appHash)
    }
}
