import Testing
import RatifySim

@Suite("explore")
struct ExploreTests {
    @Test("explore", arguments: [4, 7, 10])
    func explore(validators: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        let base = SimConfig(validators: validators, byzantine: validators / 3, stake: .skewed, heights: 50, seed: 1000, faults: .all)
        let summary = SimSweep.run(base, runs: 60, stopAfterViolations: 3)
        print("n=\(validators): \(summary.line) in \(clock.now - start)")
        for failing in summary.violations.prefix(1) {
            print(SimSweep.report(SimSweep.shrink(failing), original: failing))
        }
        #expect(summary.violations.isEmpty)
    }
}
