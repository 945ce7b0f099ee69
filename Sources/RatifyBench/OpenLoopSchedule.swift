/// When each transaction of an open-loop run is meant to be sent: transaction `i` at
/// `i / rate` seconds after the start, whatever happened to the ones before it. Latency is
/// measured from this intended time, not from when the send actually happened, so a stalled
/// client or node cannot hide its stall by sending less (coordinated omission, Gil Tene).
/// Pure: the load generator asks it which indices are due at the time it reads from its clock.
public struct OpenLoopSchedule: Sendable, Equatable {
    public let ratePerSecond: Double
    public let count: Int

    /// `count` sends at `ratePerSecond`; a rate that is not positive sends nothing.
    public init(ratePerSecond: Double, count: Int) {
        self.ratePerSecond = ratePerSecond
        self.count = ratePerSecond > 0 ? max(0, count) : 0
    }

    /// A run of `seconds` at `ratePerSecond`: `rate * seconds` sends, rounded down.
    public init(ratePerSecond: Double, seconds: Double) {
        let total = ratePerSecond > 0 && seconds > 0 ? (ratePerSecond * seconds).rounded(.down) : 0
        self.init(ratePerSecond: ratePerSecond, count: total < Double(Int.max / 2) ? Int(total) : Int.max / 2)
    }

    /// Nanoseconds after the start at which send `index` is due.
    public func intendedNanos(_ index: Int) -> UInt64 {
        precondition(index >= 0, "a send index is never negative")
        return UInt64((Double(index) * 1e9 / ratePerSecond).rounded(.down))
    }

    /// The sends due by `elapsedNanos` that have not been handed out yet: `next ..< end`.
    /// Empty when `next` is not due yet or every send has been handed out.
    public func due(from next: Int, elapsedNanos: UInt64) -> Range<Int> {
        guard next < count else { return count..<count }
        // Highest index i with i / rate <= elapsed, plus one.
        let reached = Int((Double(elapsedNanos) * ratePerSecond / 1e9).rounded(.down)) + 1
        var end = min(count, max(next, reached))
        // Floating-point rounding at the boundary: trust intendedNanos, which the caller records.
        while end > next, intendedNanos(end - 1) > elapsedNanos { end -= 1 }
        while end < count, intendedNanos(end) <= elapsedNanos { end += 1 }
        return next..<end
    }

    /// How long from `elapsedNanos` until send `index` is due (0 when already due).
    public func nanosUntil(_ index: Int, elapsedNanos: UInt64) -> UInt64 {
        guard index < count else { return 0 }
        let due = intendedNanos(index)
        return due > elapsedNanos ? due - elapsedNanos : 0
    }
}
