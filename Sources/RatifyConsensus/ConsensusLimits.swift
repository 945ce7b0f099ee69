import RatifyCore

/// Caps on everything the core keeps, so that no flood of (validly signed) messages can make
/// it grow without bound. A message that would exceed a cap is dropped and counted in
/// `ConsensusCounters`; gossip delivers it again when it becomes useful.
///
/// Memory per height is bounded by `(round + 2 + validators * futureRoundsPerValidatorMax)`
/// rounds of at most two votes per validator each, `knownBlocksPerHeightMax` blocks and
/// `futureHeightVotesMax` buffered votes.
public enum ConsensusLimits {
    /// Rounds up to `round + 1` are always tracked. A round further ahead is tracked only while
    /// the validator whose message names it has introduced fewer than this many rounds that are
    /// still that far ahead (CometBFT's "peer catch-up rounds", counted per validator, not per
    /// peer, and released as the core catches up).
    public static let futureRoundsPerValidatorMax = 2
    /// Messages for a round more than this far ahead of the current one are dropped outright,
    /// which also bounds the work of computing that round's proposer.
    public static let roundsAheadMax: Round = 10_000
    /// Votes for height + 1 kept until the core gets there. Votes for any later height are
    /// dropped: block sync, not consensus, catches a node up across whole heights.
    public static let futureHeightVotesMax = 4_096
    /// Distinct blocks (proposed or fetched) kept for one height.
    public static let knownBlocksPerHeightMax = 64
    /// Block ids the core has asked the shell to fetch at one height.
    public static let blockRequestsPerHeightMax = 64
    /// Values beyond its first that one (equivocating) validator's votes are counted for, per
    /// round and type. Algorithm 1 counts every message, so a node must be able to confirm a
    /// polka another node saw; two extra values cover every equivocation that matters (the
    /// value and nil), a third leaves room for a decoy. Further values are dropped and counted.
    public static let conflictingValuesPerValidatorMax = 3
    /// Evidence reports per height; each validator is reported at most once per round and type.
    public static let evidenceReportsPerHeightMax = 1_024
}
