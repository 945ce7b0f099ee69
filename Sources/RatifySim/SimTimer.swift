import RatifyConsensus

/// A timer a core scheduled: which node, in which incarnation (a restart voids older timers),
/// and the timeout to feed back.
struct SimTimer: Sendable {
    var node: Int
    var incarnation: UInt32
    var event: TimeoutEvent
}
