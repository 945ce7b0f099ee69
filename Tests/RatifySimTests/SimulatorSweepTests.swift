import Testing
import RatifySim

/// The CI sweep: 1,008 seeded runs of 50 heights each, across 4, 7 and 10 validators with
/// skewed stake, byzantine validators below 1/3 of it (every behaviour), validator-set
/// changes and every fault kind; no run may break an invariant. Split into chunks so Swift
/// Testing runs them in parallel. A failure prints the seed, the replay command, a shrunk
/// configuration and the trace that shows the violation.
@Suite("simulator sweep")
struct SimulatorSweepTests {
    static let runsPerChunk = 84
    static let heights = 50

    /// (validators, first seed) for each chunk: 4 chunks per size, 12 chunks, 1,008 runs.
    static let chunks: [(validators: Int, seed: UInt64)] = [4, 7, 10].flatMap { validators in
        (0..<4).map { chunk in (validators, UInt64(validators) * 1_000_000 + UInt64(chunk * runsPerChunk)) }
    }

    @Test("seeded runs with every fault kind and byzantine stake below 1/3 break no invariant", arguments: chunks)
    func sweep(validators: Int, seed: UInt64) {
        let base = SimConfig(validators: validators, byzantine: (validators - 1) / 3, stake: .skewed,
                             heights: Self.heights, seed: seed, faults: .all)
        let summary = SimSweep.run(base, runs: Self.runsPerChunk, stopAfterViolations: 1)
        for failing in summary.violations {
            Issue.record("\(SimSweep.report(SimSweep.shrink(failing), original: failing))")
        }
        #expect(summary.setupErrors.isEmpty, "\(summary.setupErrors)")
        #expect(summary.runs == Self.runsPerChunk)
        #expect(summary.violations.isEmpty)
        #expect(summary.heightsDecided >= Self.runsPerChunk * Self.heights)
        print("sweep n=\(validators) seeds \(seed)..<\(seed + UInt64(Self.runsPerChunk)): \(summary.line)")
    }

    @Test("an explicit unequal stake list with every fault kind breaks no invariant")
    func explicitStakeList() {
        let base = SimConfig(validators: 5, byzantine: 1, stake: .list([50, 20, 15, 10, 5]), heights: Self.heights,
                             seed: 77_000, faults: .all)
        let summary = SimSweep.run(base, runs: 20, stopAfterViolations: 1)
        for failing in summary.violations {
            Issue.record("\(SimSweep.report(SimSweep.shrink(failing), original: failing))")
        }
        #expect(summary.violations.isEmpty && summary.setupErrors.isEmpty)
        #expect(summary.heightsDecided == 20 * Self.heights)
    }

    @Test("runs that sign and verify with real Ed25519 break no invariant")
    func realSignatures() {
        var base = SimConfig(validators: 4, byzantine: 1, stake: .skewed, heights: 20, seed: 99_000, faults: .all)
        base.crypto = .ed25519
        let summary = SimSweep.run(base, runs: 10, stopAfterViolations: 1)
        for failing in summary.violations {
            Issue.record("\(SimSweep.report(SimSweep.shrink(failing), original: failing))")
        }
        #expect(summary.violations.isEmpty && summary.setupErrors.isEmpty)
        #expect(summary.heightsDecided == 10 * 20)
    }
}
