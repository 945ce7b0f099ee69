import RatifyCore

/// The timing of one chain's consensus, from its genesis: Algorithm 1's `timeoutPropose(r)`,
/// `timeoutPrevote(r)` and `timeoutPrecommit(r)` are each `base + delta * r` milliseconds, and
/// after a decided block is applied the core waits `commitWaitMillis` (which may be zero, and
/// is a timeout all the same) before it starts the next height, so that late precommits and the
/// next proposal can arrive.
public struct ConsensusParameters: Hashable, Sendable {
    public var timeoutProposeBaseMillis: UInt64
    public var timeoutProposeDeltaMillis: UInt64
    public var timeoutPrevoteBaseMillis: UInt64
    public var timeoutPrevoteDeltaMillis: UInt64
    public var timeoutPrecommitBaseMillis: UInt64
    public var timeoutPrecommitDeltaMillis: UInt64
    public var commitWaitMillis: UInt64

    public init(timeoutProposeBaseMillis: UInt64 = 3_000, timeoutProposeDeltaMillis: UInt64 = 500,
                timeoutPrevoteBaseMillis: UInt64 = 1_000, timeoutPrevoteDeltaMillis: UInt64 = 500,
                timeoutPrecommitBaseMillis: UInt64 = 1_000, timeoutPrecommitDeltaMillis: UInt64 = 500,
                commitWaitMillis: UInt64 = 1_000) {
        self.timeoutProposeBaseMillis = timeoutProposeBaseMillis
        self.timeoutProposeDeltaMillis = timeoutProposeDeltaMillis
        self.timeoutPrevoteBaseMillis = timeoutPrevoteBaseMillis
        self.timeoutPrevoteDeltaMillis = timeoutPrevoteDeltaMillis
        self.timeoutPrecommitBaseMillis = timeoutPrecommitBaseMillis
        self.timeoutPrecommitDeltaMillis = timeoutPrecommitDeltaMillis
        self.commitWaitMillis = commitWaitMillis
    }

    /// CometBFT's defaults (timeout_propose 3s + 500ms/round, prevote and precommit
    /// 1s + 500ms/round, timeout_commit 1s).
    public static let cometDefaults = ConsensusParameters()

    /// How long a round may make no progress before this validator re-sends its latest votes
    /// (and again after each such interval): one round's three base timeouts, the time a round
    /// that nobody votes in takes to end at round 0. Saturates rather than overflows.
    public var resendIntervalMillis: UInt64 {
        let (proposePrevote, firstOverflow) = timeoutProposeBaseMillis.addingReportingOverflow(timeoutPrevoteBaseMillis)
        let (total, secondOverflow) = proposePrevote.addingReportingOverflow(timeoutPrecommitBaseMillis)
        return firstOverflow || secondOverflow ? .max : max(1, total)
    }

    /// The delay before a timeout of `kind` fires in `round`: `base + delta * round`, saturating
    /// rather than overflowing for absurd rounds. The commit wait and the resend interval do not
    /// grow with the round.
    public func timeoutMillis(_ kind: TimeoutEvent.Kind, round: Round) -> UInt64 {
        let (base, delta): (UInt64, UInt64) = switch kind {
        case .propose: (timeoutProposeBaseMillis, timeoutProposeDeltaMillis)
        case .prevote: (timeoutPrevoteBaseMillis, timeoutPrevoteDeltaMillis)
        case .precommit: (timeoutPrecommitBaseMillis, timeoutPrecommitDeltaMillis)
        case .commit: (commitWaitMillis, 0)
        case .resend: (resendIntervalMillis, 0)
        }
        let (growth, growthOverflow) = delta.multipliedReportingOverflow(by: UInt64(round))
        if growthOverflow { return .max }
        let (total, totalOverflow) = base.addingReportingOverflow(growth)
        return totalOverflow ? .max : total
    }
}
