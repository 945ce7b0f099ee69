import RatifyCore

/// The rounds of the current height that the core tracks, in ascending order.
///
/// Rounds up to `current + 1` are always tracked. A message for a round further ahead may
/// create that round's record only while the validator that sent it has introduced fewer than
/// `ConsensusLimits.futureRoundsPerValidatorMax` records that are still that far ahead. Once the
/// core reaches those rounds (by f+1 round skip or timeouts) they stop counting against the
/// sender, so honest validators far ahead can always pull a lagging node up, while one
/// validator can hold at most that many rounds of memory ahead.
struct RoundBook: Sendable {
    private(set) var records: [RoundRecord] = []
    let validatorCount: Int

    init(validatorCount: Int) {
        self.validatorCount = validatorCount
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
                var introduced = 0
                for record in records where record.introducedBy == index && record.round > current + 1 {
                    introduced += 1
                }
                guard introduced < ConsensusLimits.futureRoundsPerValidatorMax else { return nil }
            }
        }
        let insertion = records.firstIndex(where: { $0.round > round }) ?? records.count
        records.insert(RoundRecord(round: round, validatorCount: validatorCount, introducedBy: index), at: insertion)
        return insertion
    }

    subscript(position: Int) -> RoundRecord {
        get { records[position] }
        _modify { yield &records[position] }
    }
}
