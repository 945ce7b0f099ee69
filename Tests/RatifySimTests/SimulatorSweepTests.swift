import Testing
import RatifySim

/// The CI sweep: 2,760 seeded runs of 50 heights each, across 4, 7, 10 and 16 validators with
/// uniform and skewed stake, byzantine validators below 1/3 of it (every behaviour), validator-
/// set changes and every fault kind; no run may break an invariant, liveness after GST included.
/// Split into chunks so Swift Testing runs them in parallel. A failure prints the seed, the
/// replay command, a shrunk configuration and the trace that shows the violation.
@Suite("simulator sweep")
struct SimulatorSweepTests {
    static let heights = 50

    struct Chunk: Sendable, CustomStringConvertible {
        var validators: Int
        var stake: StakeDistribution
        var seed: UInt64
        var runs: Int
        var description: String { "n=\(validators) \(stake) seeds \(seed)..<\(seed + UInt64(runs))" }
    }

    /// Two chunks of 210 runs per stake at 4, 7 and 10 validators, one chunk of 120 per stake at
    /// 16 (a run there costs about four of the others): 12 + 2 chunks, 2,760 runs.
    static let chunks: [Chunk] = [4, 7, 10].flatMap { validators in
        [StakeDistribution.uniform, .skewed].enumerated().flatMap { stakeIndex, stake in
            (0..<2).map { chunk in
                Chunk(validators: validators, stake: stake,
                      seed: UInt64(validators) * 1_000_000 + UInt64(stakeIndex * 500_000 + chunk * 210), runs: 210)
            }
        }
    } + [StakeDistribution.uniform, .skewed].enumerated().map { stakeIndex, stake in
        Chunk(validators: 16, stake: stake, seed: 16_000_000 + UInt64(stakeIndex * 500_000), runs: 120)
    }

    @Test("seeded runs with every fault kind and byzantine stake below 1/3 break no invariant", arguments: chunks)
    func sweep(_ chunk: Chunk) {
        let base = SimConfig(validators: chunk.validators, byzantine: (chunk.validators - 1) / 3, stake: chunk.stake,
                             heights: Self.heights, seed: chunk.seed, faults: .all)
        let summary = SimSweep.run(base, runs: chunk.runs, stopAfterViolations: 1)
        for failing in summary.violations {
            Issue.record("\(SimSweep.report(SimSweep.shrink(failing), original: failing))")
        }
        #expect(summary.setupErrors.isEmpty, "\(summary.setupErrors)")
        #expect(summary.runs == chunk.runs)
        #expect(summary.violations.isEmpty)
        #expect(summary.heightsDecided >= chunk.runs * Self.heights)
        print("sweep \(chunk): \(summary.line)")
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
        #expect(summary.heightsDecided >= 20 * Self.heights)
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
