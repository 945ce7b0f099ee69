/// Where in consensus a signature is made: (height, round, step), ordered lexicographically.
/// A validator that only ever signs at increasing positions cannot sign two different things
/// for the same slot.
public struct SignPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let height: UInt64
    public let round: UInt32
    public let step: SignStep

    public init(height: UInt64, round: UInt32, step: SignStep) {
        self.height = height
        self.round = round
        self.step = step
    }

    public static func < (lhs: SignPosition, rhs: SignPosition) -> Bool {
        (lhs.height, lhs.round, lhs.step.rawValue) < (rhs.height, rhs.round, rhs.step.rawValue)
    }

    public var description: String { "height \(height) round \(round) \(step)" }
}
