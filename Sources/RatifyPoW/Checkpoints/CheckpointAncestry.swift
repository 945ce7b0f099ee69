import RatifyCore

/// What checkpoint finality needs to know about the block tree, and nothing more: which block
/// a branch holds at a given height. The hybrid node's block tree conforms; tests use a small
/// in-memory tree. Checkpoint rules never walk the tree themselves.
public protocol CheckpointAncestry {
    /// The height of `block`, or nil when it is not in the tree.
    func height(of block: Hash) -> Height?

    /// The hash of the block at `height` on the branch that ends at `block` (`block` itself
    /// when `height` is its own height), or nil when `block` is unknown or lower than `height`.
    func ancestorHash(of block: Hash, atHeight height: Height) -> Hash?
}

extension CheckpointAncestry {
    /// Whether the branch ending at `block` contains `checkpoint` at its epoch-boundary height.
    public func branch(endingAt block: Hash, contains checkpoint: Checkpoint, epochLengthBlocks: UInt64) -> Bool {
        guard let height = Checkpoint.height(ofEpoch: checkpoint.epoch, epochLengthBlocks: epochLengthBlocks) else { return false }
        return ancestorHash(of: block, atHeight: height) == checkpoint.blockHash
    }
}
