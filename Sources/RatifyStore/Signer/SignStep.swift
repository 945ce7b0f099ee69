import RatifyCore

/// The consensus step a signature is for. Raw values are stored on disk; their order is the
/// order of steps within a round.
public enum SignStep: UInt8, Sendable, Comparable, CustomStringConvertible {
    case proposal = 1
    case prevote = 2
    case precommit = 3

    public static func < (lhs: SignStep, rhs: SignStep) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .proposal: "proposal"
        case .prevote: "prevote"
        case .precommit: "precommit"
        }
    }
}

extension SignStep {
    /// The step a vote of `type` is signed at.
    public init(_ type: VoteType) {
        switch type {
        case .prevote: self = .prevote
        case .precommit: self = .precommit
        }
    }
}
