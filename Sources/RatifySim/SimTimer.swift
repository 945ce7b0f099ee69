import RatifyConsensus

/// A timer a core scheduled: which node, in which incarnation (a restart voids older timers),
/// and the timeout to feed back.
struct SimTimer: Sendable {
    var node: Int
    var incarnation: UInt32
    var event: TimeoutEvent
}

/// One input waiting to be handed to a core within one event, and whether it goes to the WAL.
struct WorkItem: Sendable {
    var input: ConsensusInput
    var log: Bool
}
