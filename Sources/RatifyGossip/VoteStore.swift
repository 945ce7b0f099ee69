import RatifyCore
import RatifyNet

/// Verified votes kept for re-sending to peers that miss them, by (height, round, type) and
/// validator index. Bounded by `capacity` votes and `setsMax` sets: when full, the lowest
/// (height, round) set is dropped first; `prune(below:)` forgets heights the node has moved past.
struct VoteStore: Sendable {
    static let setsMax = 64

    let capacity: Int
    private var sets: [VoteKey: [UInt32: Vote]] = [:]
    private(set) var count = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a vote; false when a vote of that validator for that set is already there.
    mutating func add(_ vote: Vote) -> Bool {
        guard Int(vote.validatorIndex) < NetLimits.voteBitmapBitsMax else { return false }
        let key = VoteKey(vote)
        if sets[key]?[vote.validatorIndex] != nil { return false }
        while sets[key] == nil, sets.count >= Self.setsMax || count >= capacity, let oldest = sets.keys.min(by: { ($0.height, $0.round) < ($1.height, $1.round) }) {
            if oldest.height > key.height || (oldest.height == key.height && oldest.round > key.round) { return false }
            count -= sets[oldest]?.count ?? 0
            sets[oldest] = nil
        }
        while count >= capacity, let oldest = sets.keys.min(by: { ($0.height, $0.round) < ($1.height, $1.round) }), oldest != key {
            count -= sets[oldest]?.count ?? 0
            sets[oldest] = nil
        }
        guard count < capacity else { return false }
        sets[key, default: [:]][vote.validatorIndex] = vote
        count += 1
        return true
    }

    mutating func prune(below height: Height) {
        for key in sets.keys where key.height < height {
            count -= sets[key]?.count ?? 0
            sets[key] = nil
        }
    }

    /// Whether this very vote (not just one from its validator for its set) is held.
    func holds(_ vote: Vote) -> Bool { sets[VoteKey(vote)]?[vote.validatorIndex] == vote }

    func bitmap(_ key: VoteKey) -> VoteBitmap {
        var bitmap = VoteBitmap.empty
        for index in sets[key]?.keys ?? [:].keys { bitmap.insert(Int(index)) }
        return bitmap
    }

    /// Up to `limit` votes of the set that `known` does not have.
    func missing(_ key: VoteKey, known: VoteBitmap, limit: Int) -> [Vote] {
        guard let set = sets[key] else { return [] }
        var result: [Vote] = []
        for (index, vote) in set where !known.contains(Int(index)) {
            result.append(vote)
            if result.count >= limit { break }
        }
        return result
    }
}
