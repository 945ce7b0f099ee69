/// Algorithm 1's `step_p`: the phase of the current round. Ordered, because line 36 fires
/// "while step_p >= prevote".
public enum ConsensusStep: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible {
    case propose = 1
    case prevote = 2
    case precommit = 3

    public static func < (lhs: ConsensusStep, rhs: ConsensusStep) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .propose: "propose"
        case .prevote: "prevote"
        case .precommit: "precommit"
        }
    }
}
