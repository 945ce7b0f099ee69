import Testing
import RatifySim

/// Seeds that once stalled the network for good after every fault had healed (issue #16). Each
/// replays the exact run that found the stall; a regression fails with the same report a sweep
/// prints (seed, replay command, shrunk trace).
@Suite("liveness regressions")
struct LivenessRegressionTests {
    static let replays: [SimConfig] = [
        // A validator's round-0 votes reached peers that were still a height behind; block sync
        // then rebuilt their cores and threw the votes buffered for the new height away.
        SimConfig(validators: 7, byzantine: 2, stake: .skewed, heights: 3, seed: 917_445,
                  faults: [.loss, .duplication, .reordering, .crash]),
        // A validator crashed right after prevoting at height 4 while four others were still at
        // height 3; they caught up by block sync, and its prevote never reached them again.
        SimConfig(validators: 7, byzantine: 0, stake: .skewed, heights: 40, seed: 8_880_552,
                  faults: [.loss, .duplication, .reordering, .partition, .crash]),
    ]

    @Test("a seed that once stalled after GST now decides every height", arguments: replays)
    func replay(_ config: SimConfig) {
        let result = Simulation.run(config)
        if result.violation != nil {
            Issue.record("\(SimSweep.report(SimSweep.shrink(result), original: result))")
        }
        #expect(result.setupError == nil)
        #expect(result.violation == nil)
        #expect(result.heightsDecided == config.heights)
    }
}
