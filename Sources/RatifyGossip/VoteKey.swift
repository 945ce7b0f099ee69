import RatifyCore

/// The set a vote belongs to: (height, round, type).
struct VoteKey: Hashable, Sendable {
    let height: Height
    let round: Round
    let type: VoteType

    init(_ vote: Vote) {
        height = vote.height
        round = vote.round
        type = vote.type
    }

    init(height: Height, round: Round, type: VoteType) {
        self.height = height
        self.round = round
        self.type = type
    }
}
