import RatifyCore

/// A vote with the set index of its validator.
struct IndexedVote: Sendable {
    var index: Int
    var vote: Vote
}
