import RatifyCore

/// Everything received for one round of the current height: the round's proposal, its
/// prevotes and precommits, and which validators sent any message at all (Algorithm 1,
/// line 55 counts senders of "any" message from a higher round).
struct RoundRecord: Sendable {
    let round: Round
    /// The validator whose message created this record (see `RoundBook`).
    let introducedBy: Int
    var proposal: Proposal?
    var prevotes: VoteTally
    var precommits: VoteTally
    private(set) var senders: [Bool]
    private(set) var senderPower: Int64 = 0

    init(round: Round, validatorCount: Int, introducedBy: Int) {
        self.round = round
        self.introducedBy = introducedBy
        prevotes = VoteTally(validatorCount: validatorCount)
        precommits = VoteTally(validatorCount: validatorCount)
        senders = Array(repeating: false, count: validatorCount)
    }

    func tally(_ type: VoteType) -> VoteTally {
        type == .prevote ? prevotes : precommits
    }

    mutating func markSender(_ index: Int, power: Int64) {
        precondition(senders.indices.contains(index), "validator index checked by the caller")
        if senders[index] { return }
        senders[index] = true
        senderPower += power
    }
}
