/// How voting power is spread over the validators of a run.
public enum StakeDistribution: Hashable, Sendable, CustomStringConvertible {
    /// Every validator has power 100.
    case uniform
    /// Powers drawn from the seed with a heavy head (roughly 1000/(i+1), jittered), so a few
    /// validators hold most of the stake and quorums are not counts.
    case skewed
    /// Exactly these powers, in validator order.
    case list([Int64])

    /// Parses `uniform`, `skewed` or a comma-separated list of positive powers.
    public init?(argument: String) {
        switch argument {
        case "uniform": self = .uniform
        case "skewed": self = .skewed
        default:
            var powers: [Int64] = []
            for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
                guard let power = Int64(part), power > 0, power <= 1_000_000_000_000 else { return nil }
                powers.append(power)
            }
            guard !powers.isEmpty else { return nil }
            self = .list(powers)
        }
    }

    /// Powers for `count` validators; a list must have exactly `count` entries (checked by
    /// `SimConfig.validate`).
    func powers(count: Int, random: inout SimRandom) -> [Int64] {
        switch self {
        case .uniform:
            return Array(repeating: 100, count: count)
        case .skewed:
            return (0..<count).map { index in
                let head = 1_000 / Int64(index + 1)
                let jitter = Int64(random.below(UInt64(max(1, head / 4)) + 1))
                return max(1, head + jitter)
            }
        case .list(let powers):
            return powers
        }
    }

    public var description: String {
        switch self {
        case .uniform: "uniform"
        case .skewed: "skewed"
        case .list(let powers): powers.map(String.init).joined(separator: ",")
        }
    }
}
