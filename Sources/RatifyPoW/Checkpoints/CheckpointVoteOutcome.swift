import RatifyCore

/// What `CheckpointTracker.add` did with one vote, and the checkpoints it justified or
/// finalized in doing so (a vote can complete several links whose sources were waiting).
public struct CheckpointVoteOutcome: Equatable, Sendable {
    public enum Status: Equatable, Sendable {
        /// The vote's stake now counts for its link.
        case counted
        /// The same vote (source and target) is already counted.
        case duplicate
        /// A checkpoint block is not in the tree yet: add the vote again once it is.
        case awaitingBlocks
        /// The vote breaks a slashing condition with one the tracker holds: it is not counted
        /// and the evidence is for the ledger.
        case conflicting(FFGSlashingEvidence)
        case rejected(CheckpointVoteRejection)
    }

    public var status: Status
    /// True when this vote took its link (`source → target`) past 2/3 of the stake of both
    /// sets: once per link, whether or not its source is justified yet.
    public var linkReachedSupermajority = false
    public var justified: [Checkpoint] = []
    public var finalized: [Checkpoint] = []

    public init(_ status: Status) { self.status = status }
}
