/// Links between simulated nodes: a base latency per directed link (drawn once per run), jitter,
/// and before GST loss, duplication, reordering and partitions. A message lost to a fault is gone,
/// as what a broken TCP session had queued is: only the gossip tick (`Simulation.gossipTick`),
/// block sync, POL-round requests and stalled-round re-sends send anything again.
struct SimNetwork: Sendable {
    let nodeCount: Int
    /// `baseLatencyMillis[from * nodeCount + to]`.
    private let baseLatencyMillis: [UInt64]
    let deliveryBoundAfterGSTMillis: UInt64
    var gstMillis: UInt64
    var lossPerMillion: UInt32 = 0
    var duplicationPerMillion: UInt32 = 0
    var reorderingPerMillion: UInt32 = 0
    /// The side of each node while a partition is in force.
    var partitionSides: [UInt8]?

    private var latencyRandom: SimRandom
    private var lossRandom: SimRandom
    private var duplicationRandom: SimRandom
    private var reorderingRandom: SimRandom

    init(seed: UInt64, nodeCount: Int, linkLatencyMillis: ClosedRange<UInt64>, deliveryBoundAfterGSTMillis: UInt64,
         gstMillis: UInt64) {
        self.nodeCount = nodeCount
        var setup = SimRandom(seed: seed, stream: SimStream.network)
        baseLatencyMillis = (0..<(nodeCount * nodeCount)).map { _ in setup.inRange(linkLatencyMillis) }
        self.deliveryBoundAfterGSTMillis = max(1, deliveryBoundAfterGSTMillis)
        self.gstMillis = gstMillis
        latencyRandom = SimRandom(seed: seed, stream: SimStream.network &+ 100)
        lossRandom = SimRandom(seed: seed, stream: SimStream.loss)
        duplicationRandom = SimRandom(seed: seed, stream: SimStream.duplication)
        reorderingRandom = SimRandom(seed: seed, stream: SimStream.reordering)
    }

    enum Route {
        /// Arrives after each of these delays (two when duplicated).
        case deliver(UInt64, duplicateAfter: UInt64?)
        /// Lost (loss, or the link crosses a partition).
        case lost
    }

    /// Decides what happens to one message from `from` to `to` sent at `now`.
    mutating func route(from: Int, to: Int, now: UInt64) -> Route {
        let beforeGST = now < gstMillis
        if beforeGST {
            if let sides = partitionSides, sides[from] != sides[to] { return .lost }
            if lossPerMillion > 0 && lossRandom.chance(perMillion: lossPerMillion) { return .lost }
        }
        let first = latency(from: from, to: to, now: now)
        var duplicate: UInt64?
        if duplicationPerMillion > 0 && duplicationRandom.chance(perMillion: duplicationPerMillion) {
            duplicate = latency(from: from, to: to, now: now)
        }
        return .deliver(first, duplicateAfter: duplicate)
    }

    /// Base plus jitter of up to the base again; before GST, sometimes much more (reordering).
    /// After GST, never above the delivery bound.
    mutating func latency(from: Int, to: Int, now: UInt64) -> UInt64 {
        let base = baseLatencyMillis[from * nodeCount + to]
        var delay = base + latencyRandom.below(base + 1)
        if now < gstMillis && reorderingPerMillion > 0 && reorderingRandom.chance(perMillion: reorderingPerMillion) {
            delay += reorderingRandom.below(10 * base + 500)
        }
        if now + delay >= gstMillis {
            // Whatever arrives after GST arrives within the bound of when it was sent or GST.
            let start = max(now, gstMillis)
            let latest = start + deliveryBoundAfterGSTMillis
            if now + delay > latest { delay = latest - now }
        }
        return max(1, delay)
    }
}
