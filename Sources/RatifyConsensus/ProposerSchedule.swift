import RatifyCore

/// Who proposes in each round of one height: the member the validator set's proposer
/// priority selects after `round` increments (CometBFT's weighted round robin, owned by
/// `ValidatorSet`). Computing round r costs O(validators * r), so results are cached; rounds
/// are bounded by `ConsensusLimits.roundsAheadMax` before they get here.
struct ProposerSchedule: Sendable {
    let validators: ValidatorSet
    private var cache: [(round: Round, index: Int)] = []
    private static let cacheEntriesMax = 64

    init(validators: ValidatorSet) {
        self.validators = validators
    }

    /// The index, in set order, of the proposer of `round`; -1 if the set has no members
    /// (which `ValidatorSet` does not allow).
    mutating func proposerIndex(round: Round) -> Int {
        for entry in cache where entry.round == round { return entry.index }
        let proposer = validators.copyIncrementingProposerPriority(times: Int(round)).proposer
        let index = validators.index(of: proposer.address) ?? -1
        if cache.count >= Self.cacheEntriesMax { cache.removeFirst() }
        cache.append((round, index))
        return index
    }
}
