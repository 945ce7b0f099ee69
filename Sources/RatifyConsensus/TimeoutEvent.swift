import RatifyCore

/// A timer the core asked for (`ConsensusEffect.scheduleTimeout`) and the shell feeds back as
/// `ConsensusInput.timeout` when it fires. A timeout that no longer matches the core's height,
/// round and step is ignored (Algorithm 1, lines 58, 62 and 66 check exactly that).
public struct TimeoutEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// OnTimeoutPropose (Algorithm 1, line 57).
        case propose = 1
        /// OnTimeoutPrevote (Algorithm 1, line 61).
        case prevote = 2
        /// OnTimeoutPrecommit (Algorithm 1, line 65).
        case precommit = 3
        /// The wait after a decided block is applied, before the next height starts.
        case commit = 4
        /// The round has lasted `ConsensusParameters.resendIntervalMillis` more: re-send this
        /// validator's latest votes (`ConsensusEffect.resendVotes`) and schedule it again. Not
        /// a rule of Algorithm 1; it makes gossip's "eventually every message" hold for a
        /// validator's own votes that a crash, a block sync or a dropped link lost.
        case resend = 5

        public var description: String {
            switch self {
            case .propose: "propose"
            case .prevote: "prevote"
            case .precommit: "precommit"
            case .commit: "commit"
            case .resend: "resend"
            }
        }
    }

    public var kind: Kind
    public var height: Height
    public var round: Round

    public init(kind: Kind, height: Height, round: Round) {
        self.kind = kind
        self.height = height
        self.round = round
    }

    public var description: String { "timeout-\(kind)(h=\(height) r=\(round))" }
}
