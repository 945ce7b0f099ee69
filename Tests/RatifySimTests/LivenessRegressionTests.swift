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
        // A validator was crashed when the round-0 prevotes (a byzantine partial sender's among
        // them) reached it; every later proposal cited round 0 as its POL round, which it could
        // never confirm, so it prevoted nil in each round and no polka formed without its stake.
        SimConfig(validators: 10, byzantine: 3, stake: .skewed, heights: 40, seed: 1_010_005_620,
                  faults: [.loss, .duplication, .reordering, .partition, .crash]),
        // The same gap at 4 validators: from round 12 on, proposals cited round 0's polka, which
        // node 0 never held, and the rounds went on without a decision.
        SimConfig(validators: 4, byzantine: 1, stake: .uniform, heights: 7, seed: 78_008_380,
                  faults: [.loss, .duplication, .reordering, .partition, .crash]),
        // Node 2 (little stake) locked on round 0's block while cut off; the others had timed
        // out of round 0 and their proposers never re-proposed it, so node 2 prevoted nil in
        // every round and the height waited for node 2's own, distant proposer turn.
        SimConfig(validators: 4, byzantine: 1, stake: .skewed, heights: 40, seed: 810_001_107,
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
