import RatifyCore

/// The simulator's only source of randomness: SplitMix64 (Steele, Lea, Flood 2014), seeded.
/// Each concern (network, faults, ledger, byzantine choices) draws from its own stream derived
/// from the run's seed, so turning one fault kind off does not change the draws of the others;
/// the shrinker relies on that.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// An independent stream for `purpose`, derived from `seed`.
    public init(seed: UInt64, stream purpose: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (purpose &* 0x9E37_79B9_7F4A_7C15))
        generator = SplitMix64(seed: mixer.next())
    }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in `0..<bound`; 0 when `bound` is 0.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next() % bound
    }

    /// Uniform in `range`.
    public mutating func inRange(_ range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound &+ below(range.upperBound &- range.lowerBound &+ 1)
    }

    /// True with probability `perMillion` / 1,000,000.
    public mutating func chance(perMillion: UInt32) -> Bool {
        below(1_000_000) < UInt64(perMillion)
    }

    /// A uniformly chosen index into a collection of `count` elements (count > 0).
    public mutating func index(_ count: Int) -> Int {
        precondition(count > 0, "index into an empty collection")
        return Int(below(UInt64(count)))
    }
}
