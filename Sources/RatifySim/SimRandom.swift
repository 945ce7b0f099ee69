/// The simulator's only source of randomness: SplitMix64 (Steele, Lea, Flood 2014), seeded.
/// Each concern (network, faults, ledger, byzantine choices) draws from its own stream derived
/// from the run's seed, so turning one fault kind off does not change the draws of the others;
/// the shrinker relies on that.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for `purpose`, derived from `seed`.
    public init(seed: UInt64, stream purpose: UInt64) {
        var mixer = SimRandom(seed: seed ^ (purpose &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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
