/// One scheduled happening in simulated time. Small and trivially copyable, so the event
/// queue moves words, not messages: payloads live in the run's tables and are named by index.
struct SimEvent: Sendable {
    enum Kind: UInt8, Sendable {
        /// Message `payload` arrives at `node`.
        case deliver
        /// Timer `payload` (an index into the timer table) fires at `node`.
        case timeout
        /// `node` crashes.
        case crash
        /// `node` restarts from what it persisted.
        case restart
        /// Partition `payload` forms.
        case partitionStart
        /// The current partition heals (what it cut off stays lost).
        case partitionHeal
        /// Global stabilization time: faults stop.
        case stabilize
        /// `node` checks whether a peer decided its height (block sync).
        case syncTick
        /// `node`'s gossip tick: it sends each peer the votes and proposal the peer lacks.
        case gossipTick
        /// Periodic liveness check after GST.
        case livenessCheck
        /// The block with table index `payload` arrives at `node` (answer to requestBlock).
        case blockFetched
    }

    var timeMillis: UInt64
    /// Tie-break: insertion order, so equal times replay identically.
    var sequence: UInt64
    var kind: Kind
    var node: Int32
    var payload: Int32
}
