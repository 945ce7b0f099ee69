import RatifyCore

/// A broken invariant: what, where and when, in one line.
public struct SimViolation: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// Two honest validators decided different blocks at one height.
        case agreement
        /// A decided block was not proposed by that height and round's proposer, or is malformed.
        case validity
        /// An honest validator's core asked to sign two different votes (or proposals) for one
        /// height, round and type, or something its signer refused.
        case doubleSign = "double-sign"
        /// After GST an honest validator went longer than the bound without deciding.
        case liveness
        /// Evidence accused a validator that never misbehaved.
        case falseAccusation = "false-accusation"
    }

    public var kind: Kind
    public var height: Height
    public var timeMillis: UInt64
    public var node: Int
    public var detail: String

    public var description: String {
        "\(kind.rawValue) violation at height \(height), t=\(timeMillis)ms, node \(node): \(detail)"
    }
}
