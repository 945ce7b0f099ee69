import RatifyCore

/// The votes of one type in one round of one height: at most one per validator, with the
/// voting power behind each value (a block id, or nil) and in total. Kept by validator index,
/// so that a commit can be read off in validator-set order.
struct VoteTally: Sendable {
    /// One value and the power that voted for it.
    struct Entry: Sendable {
        var blockID: BlockID?
        var power: Int64
    }

    enum Addition {
        case added
        /// The very same vote again.
        case duplicate
        /// A different vote from a validator that already voted here; carries the first one.
        case conflict(Vote)
    }

    private(set) var votes: [Vote?]
    /// Power of all votes counted (each validator once).
    private(set) var totalPower: Int64 = 0
    /// Power per distinct value; at most one entry per validator, usually one or two.
    private(set) var entries: [Entry] = []
    /// Validators already reported for a conflicting vote here.
    private var reportedConflicts: [Int] = []

    init(validatorCount: Int) {
        votes = Array(repeating: nil, count: validatorCount)
    }

    /// Counts `vote` for the validator at `index` with `power`. The caller has checked that
    /// `index` names the vote's validator in this height's set.
    mutating func add(_ vote: Vote, index: Int, power: Int64) -> Addition {
        precondition(votes.indices.contains(index), "validator index checked by the caller")
        if let existing = votes[index] {
            return existing == vote ? .duplicate : .conflict(existing)
        }
        votes[index] = vote
        totalPower += power
        if let position = entries.firstIndex(where: { $0.blockID == vote.blockID }) {
            entries[position].power += power
        } else {
            entries.append(Entry(blockID: vote.blockID, power: power))
        }
        return .added
    }

    /// Power that voted for exactly `blockID` (nil: power that voted nil).
    func power(for blockID: BlockID?) -> Int64 {
        for entry in entries where entry.blockID == blockID { return entry.power }
        return 0
    }

    /// Marks the validator at `index` as reported; false if it already was.
    mutating func markConflictReported(_ index: Int) -> Bool {
        if reportedConflicts.contains(index) { return false }
        reportedConflicts.append(index)
        return true
    }
}
