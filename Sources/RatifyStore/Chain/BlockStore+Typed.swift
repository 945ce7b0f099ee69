import RatifyCore

/// Typed access for the node: RatifyCore's `Block` and `Commit` in, out and checked. The
/// store itself keeps their canonical encodings, so it reads back exactly what was decided.
extension BlockStore {
    /// Stores a decided block with the commit that finalised it; see
    /// `commit(height:blockBytes:commitBytes:blockHash:stateWrites:appHash:)`. The commit must
    /// be for this block, at this height.
    /// `transactions` are the block's results: (hash, index, code, log) per transaction.
    public func commit(block: Block, commit: Commit, stateWrites: [StateWrite], appHash: Hash,
                       validatorSets: [(height: Height, set: ValidatorSet)] = [],
                       transactions: [(hash: Hash, index: Int, code: UInt32, log: String)] = [],
                       alsoWrite: (LMDBWriteTransaction) throws -> Void = { _ in }) throws {
        try self.commit([Self.decidedWrite(block: block, commit: commit, stateWrites: stateWrites, appHash: appHash,
                                           validatorSets: validatorSets, transactions: transactions)],
                        alsoWrite: alsoWrite)
    }

    /// A decided block in the form `commit(_:alsoWrite:)` stores, for several blocks in one
    /// transaction; the commit must be for this block, at this height.
    public static func decidedWrite(block: Block, commit: Commit, stateWrites: [StateWrite], appHash: Hash,
                                    validatorSets: [(height: Height, set: ValidatorSet)] = [],
                                    transactions: [(hash: Hash, index: Int, code: UInt32, log: String)] = []) throws -> DecidedBlockWrite {
        guard commit.height == block.height, commit.blockID == block.id else {
            throw StoreError.commitDoesNotMatchBlock(
                height: block.height, blockHash: block.id.hash, commitHeight: commit.height, commitBlockHash: commit.blockID.hash)
        }
        return DecidedBlockWrite(
            height: block.height, blockBytes: block.canonicalBytes, commitBytes: commit.canonicalBytes,
            blockHash: block.id.hash, stateWrites: stateWrites, appHash: appHash,
            validatorSets: validatorSets.map { ($0.height, $0.set.canonicalBytes) },
            transactions: transactions.map { item in
                (item.hash, Self.transactionLocationBytes(height: block.height, index: item.index, code: item.code, log: item.log))
            })
    }

    /// Result logs are single lines; longer ones are cut when stored.
    public static let transactionLogBytesMax = 1_024

    /// The `transactions` record of one transaction: height, index, result code and log.
    public static func transactionLocationBytes(height: Height, index: Int, code: UInt32, log: String) -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + log.utf8.count)
        writer.write(height)
        writer.write(UInt32(truncatingIfNeeded: index))
        writer.write(code)
        writer.writeString(String(log.utf8.prefix(transactionLogBytesMax)) ?? "")
        return writer.bytes
    }

    /// Where a final transaction is: height, index in its block, result code and log.
    public func transactionLocation(hash: Hash) throws -> (height: Height, index: Int, code: UInt32, log: String)? {
        guard let bytes = try transactionLocationBytes(hash: hash) else { return nil }
        let decoded: Result<(Height, Int, UInt32, String), DecodeError> = bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            return Result { () throws(DecodeError) in
                let height = try reader.readUInt64("tx.height")
                let index = Int(try reader.readUInt32("tx.index"))
                let code = try reader.readUInt32("tx.code")
                let log = try reader.readString(max: Self.transactionLogBytesMax, "tx.log")
                try reader.finish("tx")
                return (height, index, code, log)
            }
        }
        switch decoded {
        case .success(let location): return location
        case .failure(let error):
            throw StoreError.invalidRecord(database: databases.transactions.name, reason: "transaction \(hash): \(error)")
        }
    }

    /// The validator set of `height` (the one whose precommits finalise it), if stored.
    public func validatorSet(height: Height) throws -> ValidatorSet? {
        guard let bytes = try validatorSetBytes(height: height) else { return nil }
        do {
            return try ValidatorSet(canonicalBytes: bytes)
        } catch {
            throw StoreError.invalidRecord(database: databases.validatorSets.name, reason: "validator set of height \(height): \(error)")
        }
    }

    public func block(height: Height) throws -> Block? {
        guard let bytes = try blockBytes(height: height) else { return nil }
        do {
            return try Block(canonicalBytes: bytes)
        } catch {
            throw StoreError.invalidRecord(database: databases.blocks.name, reason: "block at height \(height): \(error)")
        }
    }

    public func commit(height: Height) throws -> Commit? {
        guard let bytes = try commitBytes(height: height) else { return nil }
        do {
            return try Commit(canonicalBytes: bytes)
        } catch {
            throw StoreError.invalidRecord(database: databases.commits.name, reason: "commit at height \(height): \(error)")
        }
    }

    /// `verify`, also decoding every block and checking its id (the header hash) against the index.
    public func verifyBlocks() throws -> [StoreProblem] {
        try verify { bytes in try Block(canonicalBytes: bytes).id.hash }
    }
}
