import RatifyBench
import Testing

@Suite("chaos planner")
struct ChaosPlannerTests {
    /// The nodes under a fault at `time`, each counted until `recovery` after its end.
    static func faulty(at time: Double, in plan: [Perturbation], recovery: Double) -> Set<Int> {
        Set(plan.filter { $0.startSeconds <= time && time < $0.endSeconds + recovery }.flatMap(\.nodes))
    }

    @Test("the same seed gives the same plan; another seed gives another")
    func deterministic() {
        let planner = ChaosPlanner(votingPowers: [1, 1, 1, 1], durationSeconds: 600, seed: 42)
        let plan = planner.plan()
        #expect(plan.count > 20)
        #expect(planner.plan() == plan)
        #expect(ChaosPlanner(votingPowers: [1, 1, 1, 1], durationSeconds: 600, seed: 43).plan() != plan)
    }

    @Test("below 1/3 of the stake is faulty at every instant, split aside, for equal and unequal stakes", arguments: [
        [Int64](repeating: 1, count: 4), [Int64](repeating: 1, count: 7), [Int64](repeating: 10, count: 10), [40, 30, 10, 10, 5, 5],
    ])
    func faultBound(powers: [Int64]) {
        for seed in UInt64(0)..<30 {
            let planner = ChaosPlanner(votingPowers: powers, durationSeconds: 900, seed: seed)
            let plan = planner.plan()
            let ordinary = plan.filter { $0.kind != .split }
            // Every start and end is where the faulty set changes; check just after each.
            let instants = plan.flatMap { [$0.startSeconds, $0.endSeconds, $0.endSeconds + planner.recoverySeconds] }.map { $0 + 0.01 }
            for time in instants {
                let nodes = Self.faulty(at: time, in: ordinary, recovery: planner.recoverySeconds)
                #expect(planner.isMinority(nodes), "seed \(seed), \(powers): nodes \(nodes.sorted()) faulty at \(time) s")
            }
            for split in plan where split.kind == .split {
                let overlapping = plan.filter { other in
                    other != split && other.startSeconds < split.endSeconds + planner.recoverySeconds
                        && split.startSeconds < other.endSeconds + planner.recoverySeconds
                }
                #expect(overlapping.isEmpty, "seed \(seed): a split shares its window with \(overlapping.map(\.summary))")
                #expect(split.nodes == Array(0..<powers.count))
            }
        }
    }

    @Test("faults start after the warm-up, end before the quiet tail, and carry their parameters")
    func window() {
        let planner = ChaosPlanner(votingPowers: [1, 1, 1, 1], durationSeconds: 300, seed: 7)
        let plan = planner.plan()
        #expect(!plan.isEmpty)
        for fault in plan {
            #expect(fault.startSeconds >= planner.warmupSeconds)
            #expect(fault.endSeconds <= planner.durationSeconds - planner.quietTailSeconds + 1e-9)
            #expect(fault.durationSeconds > 0 && !fault.nodes.isEmpty)
            #expect((fault.kind == .clockOffset) == (fault.clockOffsetMillis != nil))
            #expect((fault.kind == .truncateWAL) == (fault.walRecords.map { $0 > 0 } ?? false))
            #expect((fault.kind == .shape) == (fault.shaping != nil))
        }
        #expect(zip(plan, plan.dropFirst()).allSatisfy { $0.startSeconds <= $1.startSeconds }, "in start order")
    }

    @Test("in any downtime window, one validator's faults with their recovery stay within the budget, splits aside")
    func downtimeBudget() {
        for seed in UInt64(0)..<30 {
            let planner = ChaosPlanner(votingPowers: [1, 1, 1, 1], durationSeconds: 900, seed: seed)
            let plan = planner.plan().filter { $0.kind != .split }
            #expect(plan.count > 30, "seed \(seed): the budget still leaves a dense plan")
            for node in 0..<4 {
                let intervals = plan.filter { $0.nodes.contains(node) }.map { (start: $0.startSeconds, end: $0.endSeconds + planner.recoverySeconds) }
                for interval in intervals {
                    let seconds = planner.downtimeSeconds(intervals, windowEnd: interval.end)
                    #expect(seconds <= planner.downtimeBudgetSeconds + 1e-9,
                            "seed \(seed), node \(node): \(seconds) s faulty in the window ending at \(interval.end) s")
                }
            }
        }
    }

    @Test("a long plan draws every kind of fault")
    func everyKind() {
        let plan = ChaosPlanner(votingPowers: [1, 1, 1, 1], durationSeconds: 3_600, seed: 1).plan()
        #expect(Set(plan.map(\.kind)) == Set(Perturbation.Kind.allCases))
    }

    @Test("one validator cannot be faulty without losing liveness: nothing is planned but splits, which need two")
    func singleValidator() {
        #expect(ChaosPlanner(votingPowers: [1], durationSeconds: 300, seed: 3).plan().isEmpty)
    }
}
