import RatifyCore

/// A vote signed with this validator's key at the current height: one this core asked to sign,
/// or one it learned of (a WAL replay after a crash, or a twin).
struct OwnVote: Sendable {
    var round: Round
    var type: VoteType
    var blockID: BlockID?
    /// Learned from a received vote rather than cast by this core instance.
    var adopted: Bool
}
