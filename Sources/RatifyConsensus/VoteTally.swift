import RatifyCore

/// The votes of one type in one round of one height, with the voting power behind each value
/// (a block id, or nil) and in total. Kept by validator index, so that a commit can be read
/// off in validator-set order.
///
/// Algorithm 1 counts messages: "2f + 1 ⟨PREVOTE, h, r, id(v)⟩" is power from distinct
/// validators that sent a prevote for id(v). A byzantine validator that signs two values
/// therefore counts towards each value it was seen signing (once per value), and once towards
/// "any" (`totalPower`). Counting only its first vote would let an equivocator show one node a
/// polka that no other node can ever confirm, which breaks liveness (a locked node could never
/// be unlocked); CometBFT reaches the same end with peers' +2/3 claims. The extra values are
/// capped per validator (`ConsensusLimits.conflictingValuesPerValidatorMax`).
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
        /// A different vote from a validator that already voted here; carries its first one.
        /// `counted` tells whether it was counted for its own value (false past the cap).
        case conflict(Vote, counted: Bool)
    }

    /// Each validator's first vote.
    private(set) var votes: [Vote?]
    /// Later, different votes of equivocating validators, counted for their own values.
    private(set) var conflicting: [IndexedVote] = []
    /// Power of all validators that voted (each once).
    private(set) var totalPower: Int64 = 0
    /// Power per distinct value; each validator counts at most once per value.
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
        guard let first = votes[index] else {
            votes[index] = vote
            totalPower += power
            addPower(power, for: vote.blockID)
            return .added
        }
        if first == vote { return .duplicate }
        var extraValues = 0
        for extra in conflicting where extra.index == index {
            if extra.vote == vote { return .duplicate }
            // Another signature over a value already counted for this validator counts nothing.
            if extra.vote.blockID == vote.blockID { return .conflict(first, counted: false) }
            extraValues += 1
        }
        guard first.blockID != vote.blockID, extraValues < ConsensusLimits.conflictingValuesPerValidatorMax else {
            return .conflict(first, counted: false)
        }
        conflicting.append(IndexedVote(index: index, vote: vote))
        addPower(power, for: vote.blockID)
        return .conflict(first, counted: true)
    }

    private mutating func addPower(_ power: Int64, for blockID: BlockID?) {
        if let position = entries.firstIndex(where: { $0.blockID == blockID }) {
            entries[position].power += power
        } else {
            entries.append(Entry(blockID: blockID, power: power))
        }
    }

    /// Power that voted for exactly `blockID` (nil: power that voted nil).
    func power(for blockID: BlockID?) -> Int64 {
        for entry in entries where entry.blockID == blockID { return entry.power }
        return 0
    }

    /// The vote of the validator at `index` for exactly `blockID`, if it signed one.
    func vote(of index: Int, for blockID: BlockID?) -> Vote? {
        if let first = votes[index], first.blockID == blockID { return first }
        for extra in conflicting where extra.index == index && extra.vote.blockID == blockID { return extra.vote }
        return nil
    }

    /// Marks the validator at `index` as reported; false if it already was.
    mutating func markConflictReported(_ index: Int) -> Bool {
        if reportedConflicts.contains(index) { return false }
        reportedConflicts.append(index)
        return true
    }
}
