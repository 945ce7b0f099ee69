/// A token bucket: `ratePerSecond` tokens accrue up to `burst`; taking more than is there
/// leaves a debt that must be repaid before the next take succeeds. Time enters as an argument.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    public private(set) var tokens: Double
    private var lastNanos: UInt64

    public init(ratePerSecond: Double, burst: Double, nowNanos: UInt64) {
        precondition(ratePerSecond > 0 && burst > 0)
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.tokens = burst
        self.lastNanos = nowNanos
    }

    public mutating func refill(nowNanos: UInt64) {
        if nowNanos > lastNanos {
            tokens = Swift.min(burst, tokens + Double(nowNanos - lastNanos) / 1e9 * ratePerSecond)
            lastNanos = nowNanos
        }
    }

    /// Takes `count` tokens (possibly going into debt); returns the nanoseconds until the bucket is
    /// out of debt again, 0 when it is not in debt.
    public mutating func take(_ count: Double, nowNanos: UInt64) -> UInt64 {
        refill(nowNanos: nowNanos)
        tokens -= count
        return waitNanos
    }

    /// Takes `count` tokens only if they are there; false (and nothing taken) otherwise. For
    /// what is dropped rather than delayed.
    public mutating func takeIfAvailable(_ count: Double, nowNanos: UInt64) -> Bool {
        refill(nowNanos: nowNanos)
        guard tokens >= count else { return false }
        tokens -= count
        return true
    }

    public var waitNanos: UInt64 {
        tokens >= 0 ? 0 : UInt64((-tokens / ratePerSecond * 1e9).rounded(.up))
    }
}
