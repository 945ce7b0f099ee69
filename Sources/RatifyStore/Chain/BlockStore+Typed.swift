import RatifyCore

/// Typed access for the node: RatifyCore's `Block` and `Commit` in, out and checked. The
/// store itself keeps their canonical encodings, so it reads back exactly what was decided.
extension BlockStore {
    /// Stores a decided block with the commit that finalised it; see
    /// `commit(height:blockBytes:commitBytes:blockHash:stateWrites:appHash:)`. The commit must
    /// be for this block, at this height.
    public func commit(block: Block, commit: Commit, stateWrites: [StateWrite], appHash: Hash) throws {
        guard commit.height == block.height, commit.blockID == block.id else {
            throw StoreError.commitDoesNotMatchBlock(
                height: block.height, blockHash: block.id.hash, commitHeight: commit.height, commitBlockHash: commit.blockID.hash)
        }
        try self.commit(
            height: block.height, blockBytes: block.canonicalBytes, commitBytes: commit.canonicalBytes,
            blockHash: block.id.hash, stateWrites: stateWrites, appHash: appHash)
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
