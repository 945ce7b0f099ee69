import RatifyConsensus

/// The core's timeouts (`ConsensusEffect.scheduleTimeout`) waiting to fire, and the wake-ups
/// armed for them. A wake-up serves every timeout due by the time it happens, and one is armed
/// only for a timeout due before every wake-up already armed. Each height asks for a propose,
/// resend, prevote and precommit timeout, seconds out, that the next height makes stale; a
/// sleeping task per timeout woke a thread and the driver for each of them (3-5 a height, some
/// 300 a second at 1,000 tx/s), where stale ones removed from here cost nothing, and the
/// wake-up armed for them finds the next height's timeouts instead.
struct TimeoutSchedule {
    typealias Instant = ContinuousClock.Instant

    private var pending: [(due: Instant, event: TimeoutEvent)] = []
    /// The instants sleeping tasks will wake the driver at.
    private var armed: [Instant] = []

    var pendingCount: Int { pending.count }

    /// Adds `event`, due at `due`; returns the instant to arm a wake-up at, if none armed comes by then.
    mutating func add(_ event: TimeoutEvent, due: Instant) -> Instant? {
        pending.append((due, event))
        return nextWakeUp()
    }

    /// Forgets the timeouts `isStale` holds for. Heights only grow, so a timeout that is stale
    /// now would be stale when due: removing it early changes nothing the core sees.
    mutating func removeAll(where isStale: (TimeoutEvent) -> Bool) {
        pending.removeAll { isStale($0.event) }
    }

    /// The wake-up armed at `armedAt` came at `now`: the timeouts due by `now`, removed, in the
    /// order they fall due (then the order added). Arm the next one with `nextWakeUp()` after
    /// firing them, since firing may add timeouts.
    mutating func wake(armedAt: Instant, now: Instant) -> [TimeoutEvent] {
        if let index = armed.firstIndex(of: armedAt) { armed.remove(at: index) }
        let due = pending.enumerated().filter { $0.element.due <= now }
            .sorted { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }
        pending.removeAll { $0.due <= now }
        return due.map(\.element.event)
    }

    /// The instant to arm a wake-up at, now counted as armed: the earliest timeout's due
    /// instant when no wake-up is armed at or before it; nil otherwise.
    mutating func nextWakeUp() -> Instant? {
        guard let earliest = pending.map(\.due).min() else { return nil }
        if let firstArmed = armed.min(), firstArmed <= earliest { return nil }
        armed.append(earliest)
        return earliest
    }
}
