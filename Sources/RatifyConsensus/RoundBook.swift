import RatifyCore

/// The rounds of the current height that the core tracks, in ascending order, with the
/// per-validator allowance for introducing rounds ahead of the current one
/// (`ConsensusLimits.futureRoundsPerValidatorMax`).
struct RoundBook: Sendable {
    private(set) var records: [RoundRecord] = []
    private var roundsIntroduced: [UInt8]
    let validatorCount: Int

    init(validatorCount: Int) {
        self.validatorCount = validatorCount
        roundsIntroduced = Array(repeating: 0, count: validatorCount)
    }

    func position(of round: Round) -> Int? {
        // Searched from the end: the current round is almost always the last or next to last.
        var position = records.count - 1
        while position >= 0 {
            let candidate = records[position].round
            if candidate == round { return position }
            if candidate < round { return nil }
            position -= 1
        }
        return nil
    }

    func record(_ round: Round) -> RoundRecord? {
        position(of: round).map { records[$0] }
    }

    /// The position of `round`'s record, created if the limits allow a message from the
    /// validator at `index` to create it; nil when the message must be dropped.
    mutating func positionCreating(_ round: Round, current: Round, by index: Int) -> Int? {
        if let existing = position(of: round) { return existing }
        if round > current {
            let ahead = round - current
            if ahead > ConsensusLimits.roundsAheadMax { return nil }
            if ahead > 1 {
                guard Int(roundsIntroduced[index]) < ConsensusLimits.futureRoundsPerValidatorMax else { return nil }
                roundsIntroduced[index] += 1
            }
        }
        let insertion = records.firstIndex(where: { $0.round > round }) ?? records.count
        records.insert(RoundRecord(round: round, validatorCount: validatorCount), at: insertion)
        return insertion
    }

    subscript(position: Int) -> RoundRecord {
        get { records[position] }
        _modify { yield &records[position] }
    }
}
