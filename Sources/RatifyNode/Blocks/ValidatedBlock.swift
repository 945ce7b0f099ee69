import RatifyCore

/// A block that passed `BlockValidator` against a `ChainState`, with the hashes of its
/// transactions whose signatures are now known good (all of them), for the executor.
public struct ValidatedBlock: Sendable {
    public let block: Block
    public let verifiedTransactions: Set<Hash>

    init(block: Block, verifiedTransactions: Set<Hash>) {
        self.block = block
        self.verifiedTransactions = verifiedTransactions
    }
}
