import RatifyCore
/// Capped exponential backoff with "equal jitter": attempt n waits a uniformly random time in
/// [d/2, d], d = min(max, base * 2^n). The jitter comes from a seeded generator.
public struct Backoff: Sendable {
    public let baseMillis: Int64
    public let maxMillis: Int64
    public private(set) var attempts: Int = 0
    private var random: SplitMix64

    public init(baseMillis: Int64, maxMillis: Int64, seed: UInt64) {
        precondition(baseMillis > 0 && maxMillis >= baseMillis)
        self.baseMillis = baseMillis
        self.maxMillis = maxMillis
        self.random = SplitMix64(seed: seed)
    }

    public mutating func nextDelayMillis() -> Int64 {
        let shift = Swift.min(attempts, 32)
        let (scaled, overflow) = baseMillis.multipliedReportingOverflow(by: Int64(1) << Int64(shift))
        let ceiling = overflow ? maxMillis : Swift.min(maxMillis, scaled)
        attempts += 1
        let floor = ceiling / 2
        return floor + Int64(random.next() % UInt64(ceiling - floor + 1))
    }

    public mutating func reset() { attempts = 0 }
}
