import RatifyConsensus

/// One input waiting to be handed to a core within one event, and whether it goes to the WAL.
struct WorkItem: Sendable {
    var input: ConsensusInput
    var log: Bool
}
