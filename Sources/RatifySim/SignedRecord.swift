import RatifyCore

/// What an honest node's core asked to sign at one round (the double-sign check's record).
struct SignedRecord: Sendable {
    var round: Round
    var type: VoteType?
    var value: BlockID?
}
