import Testing
import RatifySim

/// The checker can fail: with byzantine stake at or above 1/3 (Twins of enough validators,
/// each copy on a different side of a partition), the simulator must find an agreement
/// violation within a bounded number of seeds.
@Suite("negative control")
struct NegativeControlTests {
    static let seedsMax = 30

    @Test("byzantine stake of 1/3 or more yields an agreement violation within 30 seeds",
          arguments: [(validators: 4, byzantine: 2), (validators: 7, byzantine: 3), (validators: 10, byzantine: 4)])
    func twinsBreakAgreement(validators: Int, byzantine: Int) {
        let base = SimConfig(validators: validators, byzantine: byzantine, stake: .uniform, heights: 20, seed: 1,
                             faults: .all, byzantineBehaviors: [.twin], keepByzantineBelowOneThird: false)
        let summary = SimSweep.run(base, runs: Self.seedsMax, stopAfterViolations: 1)
        let failing = summary.violations.first
        #expect(failing?.violation?.kind == .agreement, "no agreement violation in \(Self.seedsMax) seeds")
        if let failing {
            #expect(failing.byzantineStakeFraction * 3 >= 1)
            // The failure replays exactly from its seed, and the report names it.
            let replay = Simulation.run(failing.config)
            #expect(replay.violation == failing.violation)
            let report = SimSweep.report(SimSweep.shrink(failing), original: failing)
            #expect(report.contains("seed \(failing.config.seed)"))
            #expect(report.contains("ratify sim --validators \(validators) --byzantine \(byzantine)"))
            #expect(report.contains("VIOLATION agreement"))
            print(report)
        }
    }

    @Test("the same twins below 1/3 of the stake break nothing")
    func twinsBelowOneThird() {
        let base = SimConfig(validators: 7, byzantine: 2, stake: .uniform, heights: 20, seed: 1,
                             faults: .all, byzantineBehaviors: [.twin])
        let summary = SimSweep.run(base, runs: Self.seedsMax, stopAfterViolations: 1)
        #expect(summary.violations.isEmpty, "\(summary.violations.first?.violation.map(String.init(describing:)) ?? "")")
    }
}
