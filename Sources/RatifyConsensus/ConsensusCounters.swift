/// What the core dropped or ignored, and why: every cap in `ConsensusLimits` that is hit shows
/// up here rather than as growth. The shell exports these as metrics.
public struct ConsensusCounters: Hashable, Sendable {
    /// Votes counted towards a tally.
    public var votesAccepted: UInt64 = 0
    /// The same vote again (gossip duplicates): harmless, not counted twice.
    public var votesDuplicate: UInt64 = 0
    /// A second, different vote from one validator for one height, round and type.
    public var votesConflicting: UInt64 = 0
    /// Votes for a past height, or that arrive after this height's decision.
    public var votesStale: UInt64 = 0
    /// Votes whose index and address do not name a member of this height's set.
    public var votesUnknownValidator: UInt64 = 0
    /// Votes for a round beyond `roundsAheadMax` or past a validator's catch-up allowance.
    public var votesRoundDropped: UInt64 = 0
    /// Votes for height + 1 kept for later.
    public var futureHeightVotesBuffered: UInt64 = 0
    /// Votes for height + 1 dropped because the buffer was full, or for a later height.
    public var futureHeightVotesDropped: UInt64 = 0
    /// Proposals not from the round's proposer, for another height, malformed, repeated or
    /// conflicting, or beyond the round limits.
    public var proposalsIgnored: UInt64 = 0
    /// A proposer's second, different proposal for one round (the first one is kept).
    public var proposalsConflicting: UInt64 = 0
    /// Fetched blocks nobody asked for, and blocks beyond `knownBlocksPerHeightMax`.
    public var blocksIgnored: UInt64 = 0
    /// Timeouts that no longer matched the height, round and step (lines 58, 62, 66).
    public var timeoutsStale: UInt64 = 0
    /// Evidence not reported because `evidenceReportsPerHeightMax` was reached.
    public var evidenceDropped: UInt64 = 0
    /// Votes a rule called for but not signed, because a different vote with this validator's
    /// key for that round and type already exists (adopted from a WAL replay or a twin).
    public var votesWithheldForOwnSignature: UInt64 = 0
    /// Own votes handed to the shell again because a round made no progress for a resend
    /// interval (`ConsensusEffect.resendVotes`).
    public var votesResent: UInt64 = 0
    /// Polkas of an earlier round taken as the valid value (`adoptEarlierPolka`), so this
    /// validator re-proposes a value another validator may be locked on.
    public var earlierPolkasAdopted: UInt64 = 0
    /// Inputs that made no sense in the current phase (a shell bug, or a replay duplicate).
    public var inputsOutOfPhase: UInt64 = 0

    public init() {}
}
