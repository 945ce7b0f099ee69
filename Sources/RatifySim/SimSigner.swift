import RatifyCore

/// A node's persisted signer state (docs/STORAGE.md, "The durability contract"): the last height, round and step it
/// signed and what it signed there. It refuses to sign below that point, or something
/// different at it; the same message again gets signed again (the same signature, with
/// deterministic Ed25519). It survives crashes.
struct SimSigner: Sendable {
    /// Proposal, prevote, precommit: the order of signing within a round.
    enum Step: UInt8, Comparable, Sendable {
        case proposal = 1
        case prevote = 2
        case precommit = 3
        static func < (lhs: Step, rhs: Step) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var lastHeight: Height = 0
    private var lastRound: Round = 0
    private var lastStep: Step?
    private var lastValue: BlockID?

    /// True when signing (height, round, step, value) is allowed; records it.
    mutating func allow(height: Height, round: Round, step: Step, value: BlockID?) -> Bool {
        if let lastStep {
            let position = (height, round, step.rawValue)
            let last = (lastHeight, lastRound, lastStep.rawValue)
            if position < last { return false }
            if position == last { return value == lastValue }
        }
        lastHeight = height
        lastRound = round
        lastStep = step
        lastValue = value
        return true
    }
}
