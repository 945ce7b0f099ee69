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

/// One line of a run's trace (recorded only when `SimConfig.trace` is set).
public struct SimTraceEntry: Hashable, Sendable, CustomStringConvertible {
    public var timeMillis: UInt64
    public var node: Int
    /// The consensus height the entry concerns; 0 for faults that concern every height.
    public var height: Height
    public var text: String

    public var description: String {
        let time = String(timeMillis)
        let padded = String(repeating: " ", count: max(0, 8 - time.count)) + time
        return "\(padded)ms  n\(node)  \(height == 0 ? "  " : "h\(height)")  \(text)"
    }
}

/// What one run did.
public struct SimRunResult: Sendable {
    public var config: SimConfig
    public var violation: SimViolation?
    /// Heights every honest validator decided.
    public var heightsDecided: Int
    /// The round of the first honest decision at each height.
    public var decidedRounds: [Round]
    public var messages: UInt64
    public var events: UInt64
    public var simulatedMillis: UInt64
    public var gstMillis: UInt64
    public var evidenceReported: UInt64
    public var byzantineIdentities: [Int]
    public var byzantineStakeFraction: Double
    public var validatorUpdates: Int
    public var trace: [SimTraceEntry]
    /// A setup problem (e.g. a stake list the validator set refuses), not a violation.
    public var setupError: String?
}
