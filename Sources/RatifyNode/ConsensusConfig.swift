/// `[consensus]`: this node's choices within the chain's consensus rules; the timeouts
/// themselves are the genesis' (docs/GENESIS.md).
public struct ConsensusConfig: Hashable, Sendable {
    /// End the commit wait (genesis `timeout_commit_ms`) as soon as every validator's
    /// precommit for the decided block is in, as CometBFT's `skip_timeout_commit` does. With
    /// false the node waits it out: heights start at least that far apart, each block carries
    /// what arrived meanwhile, and a height's fixed costs are shared by more transactions.
    public var skipTimeoutCommit = true

    public init() {}

    static let keys = ["skip_timeout_commit"]
}
