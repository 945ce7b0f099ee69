import RatifyCore

/// Lays out a chaos run's faults from a seed, before anything runs: the same seed, validators
/// and duration give the same plan (so a failing run is replayed by its seed). Pure.
///
/// The bound that keeps the chain live: at every instant, the nodes under a fault, counting
/// each from its start until `recoverySeconds` after its end (restart, catch-up), hold less
/// than 1/3 of the voting power. `split` is the exception on purpose: it takes every node, so
/// it starts only when no other fault is active and nothing else starts until it has recovered.
///
/// Downtime jailing stays on, so the plan keeps each validator's faults shorter than the
/// window allows: in any `downtimeWindowSeconds`, one validator's faults (each with its
/// recovery) last at most `downtimeBudgetSeconds`. The run's chain uses that window
/// (`downtimeWindowMillis`) with the default `min_signed_per_window` of 0.5; the budget is
/// half of what it allows (a quarter of the window), because the blocks a node misses while
/// down and the blocks it signs while up come at different rates. A validator jailed in a run
/// is therefore a finding, not the plan's doing.
public struct ChaosPlanner: Sendable {
    /// The downtime window of a chaos run's chain, in block time.
    public static let downtimeWindowMillis: UInt64 = 120_000
    public var downtimeWindowSeconds = Double(Self.downtimeWindowMillis) / 1_000
    public var downtimeBudgetSeconds = Double(Self.downtimeWindowMillis) / 4_000
    public var votingPowers: [Int64]
    public var durationSeconds: Double
    public var seed: UInt64
    /// No fault starts before this, so the chain is running first.
    public var warmupSeconds = 5.0
    /// No fault is active in the last `quietTailSeconds`, so every node can catch up.
    public var quietTailSeconds = 10.0
    /// A node counts as faulty this long after its fault ends.
    public var recoverySeconds = 5.0
    public var faultSeconds: ClosedRange<Double> = 3...10
    /// Between one fault's start and the next one's.
    public var gapSeconds: ClosedRange<Double> = 2...6
    /// How often each fault is drawn, relative to the others. Process faults need no
    /// privileges and run everywhere, so they come up most.
    public var weights: [(kind: Perturbation.Kind, weight: UInt64)] = [
        (.kill, 3), (.pause, 3), (.truncateWAL, 2), (.clockOffset, 2), (.isolate, 2), (.shape, 1), (.split, 1),
    ]

    public init(votingPowers: [Int64], durationSeconds: Double, seed: UInt64) {
        self.votingPowers = votingPowers
        self.durationSeconds = durationSeconds
        self.seed = seed
    }

    public var totalPower: Int64 { votingPowers.reduce(0, +) }

    /// Whether `nodes` together hold less than 1/3 of the voting power.
    public func isMinority(_ nodes: some Sequence<Int>) -> Bool {
        let power = nodes.reduce(Int64(0)) { $0 + votingPowers[$1] }
        return power * 3 < totalPower
    }

    public func plan() -> [Perturbation] {
        var random = SplitMix64(seed: seed)
        let count = votingPowers.count
        let weightTotal = weights.reduce(0) { $0 + $1.weight }
        guard count > 0, weightTotal > 0 else { return [] }
        let lastEnd = durationSeconds - quietTailSeconds
        // When each node is free again (its last fault's end plus recovery).
        var busyUntil = [Double](repeating: 0, count: count)
        // Each node's faulty intervals (fault plus recovery), splits aside: the chain halts in
        // a split, so no one misses a block.
        var downtime = [[(start: Double, end: Double)]](repeating: [], count: count)
        var plan: [Perturbation] = []
        // Times are kept in tenths of a second, so plans print and compare cleanly.
        var time = warmupSeconds
        while true {
            time = (time * 10).rounded(.up) / 10
            guard time + faultSeconds.lowerBound <= lastEnd else { break }
            let kind = pick(random.next() % weightTotal)
            let duration = min(draw(faultSeconds, &random), lastEnd - time)
            let free = (0..<count).filter { busyUntil[$0] <= time }
            var chosen: [Int] = []
            if kind == .split {
                if free.count == count, count >= 2 { chosen = Array(0..<count) }
            } else {
                // Shuffle the free nodes, then take them while the faulty side stays a minority.
                let busy = (0..<count).filter { busyUntil[$0] > time }
                var order = free
                order.shuffle(using: &random)
                let wanted = 1 + Int(random.next() % 2)
                let end = time + duration + recoverySeconds
                for node in order where chosen.count < wanted && isMinority(busy + chosen + [node])
                    && downtimeSeconds(downtime[node], windowEnd: end) + (end - time) <= downtimeBudgetSeconds {
                    chosen.append(node)
                }
            }
            guard !chosen.isEmpty else {
                // Nothing can start now: wait for the next node to recover.
                let next = busyUntil.filter { $0 > time }.min() ?? (time + gapSeconds.lowerBound)
                time = max(next, time + 0.5)
                continue
            }
            chosen.sort()
            var fault = Perturbation(kind: kind, nodes: chosen, startSeconds: time, durationSeconds: (duration * 10).rounded(.down) / 10)
            switch kind {
            case .clockOffset:
                // Within the validators' 10 s drift allowance half the time, beyond it otherwise.
                let magnitude = Int64(500 + random.next() % 14_500)
                fault.clockOffsetMillis = random.next() % 2 == 0 ? magnitude : -magnitude
            case .truncateWAL:
                fault.walRecords = 1 + Int(random.next() % 64)
            case .shape:
                fault.shaping = Perturbation.Shaping(delayMillis: 20 + Int(random.next() % 200), jitterMillis: Int(random.next() % 50),
                                                     lossPercent: Int(random.next() % 20))
            case .kill, .pause, .isolate, .split:
                break
            }
            plan.append(fault)
            let freeAgain = fault.endSeconds + recoverySeconds
            for node in chosen {
                busyUntil[node] = freeAgain
                if kind != .split { downtime[node].append((fault.startSeconds, freeAgain)) }
            }
            // A split holds the whole validator set: the next fault waits for its recovery.
            time = kind == .split ? freeAgain : time + draw(gapSeconds, &random)
        }
        return plan
    }

    /// Seconds of `intervals` inside the downtime window that ends at `windowEnd`. The plan's
    /// intervals only move later, so the window ending with a new fault's recovery is the
    /// fullest one that fault can join.
    public func downtimeSeconds(_ intervals: [(start: Double, end: Double)], windowEnd: Double) -> Double {
        let windowStart = windowEnd - downtimeWindowSeconds
        return intervals.reduce(0) { total, interval in
            total + max(0, min(interval.end, windowEnd) - max(interval.start, windowStart))
        }
    }

    /// The kind whose share of the weights holds `ticket` (0 ..< total weight).
    private func pick(_ ticket: UInt64) -> Perturbation.Kind {
        var rest = ticket
        for (kind, weight) in weights {
            if rest < weight { return kind }
            rest -= weight
        }
        return weights[weights.count - 1].kind
    }

    private func draw(_ range: ClosedRange<Double>, _ random: inout SplitMix64) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(random.next() >> 11) / Double(1 << 53)
    }
}
