import Testing
import RatifyCore
@testable import RatifyPoW

@Suite("checkpoint finality: fork choice")
struct CheckpointForkChoiceTests {
    @Test("a minority fork with more work does not pull the node off the justified checkpoint")
    func minorityForkWithMoreWork() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        scenario.votes([0, 1, 2, 3], scenario.genesis, one)
        scenario.votes([0, 1, 2], one, two)
        #expect(scenario.tracker.latestJustified == two)
        #expect(scenario.tracker.latestFinalized == one)
        // A fork from height 6 (after checkpoint 1, before checkpoint 2), longer and heavier.
        let fork = scenario.tree.extend(scenario.main[5], by: 20, salt: 7)
        let mainTip = scenario.tree.tip(scenario.main[15], work: 16)
        let forkTip = scenario.tree.tip(fork[19], work: 26_000)
        #expect(scenario.tracker.bestTip(among: [forkTip, mainTip], ancestry: scenario.tree) == mainTip)
        // Above the justified checkpoint work decides as in plain proof of work.
        let heavierAbove = scenario.tree.extend(scenario.main[9], by: 10, salt: 8)
        let aboveTip = scenario.tree.tip(heavierAbove[9], work: 20)
        #expect(scenario.tracker.bestTip(among: [mainTip, forkTip, aboveTip], ancestry: scenario.tree) == aboveTip)
    }

    @Test("a finalized block is never reverted, whatever work a fork carries")
    func finalizedNeverReverted() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        scenario.votes([0, 1, 2], scenario.genesis, one)
        scenario.votes([0, 1, 2], one, two)
        let early = scenario.tree.extend(scenario.main[1], by: 40, salt: 9)
        let earlyTip = scenario.tree.tip(early[39], work: .max)
        let mainTip = scenario.tree.tip(scenario.main[15], work: 1)
        #expect(scenario.tracker.bestTip(among: [earlyTip, mainTip], ancestry: scenario.tree) == mainTip)
        // Offered only branches that leave the finalized checkpoint, it picks none.
        #expect(scenario.tracker.bestTip(among: [earlyTip], ancestry: scenario.tree) == nil)
        // Even a tracker whose latest justified checkpoint sits on such a branch keeps finality.
        let choice = CheckpointForkChoice.bestTip(among: [earlyTip, mainTip],
                                                  latestJustified: scenario.tree.checkpoint(3, on: early[39], epochLengthBlocks: 4),
                                                  latestFinalized: one, epochLengthBlocks: 4, ancestry: scenario.tree)
        #expect(choice == mainTip)
    }

    @Test("when no tip holds the latest justified checkpoint the most-work tip holding the finalized one wins; ties keep the first seen")
    func fallbackAndTies() throws {
        var tree = TestBlockTree()
        let left = tree.extend(TestBlockTree.genesis, by: 8, salt: 1), right = tree.extend(TestBlockTree.genesis, by: 8, salt: 2)
        let genesis = Checkpoint(epoch: 0, blockHash: TestBlockTree.genesis)
        let unknownJustified = Checkpoint(epoch: 2, blockHash: Hash.sha256([0x5A]))
        let a = tree.tip(left[7], work: 5), b = tree.tip(right[7], work: 9), c = tree.tip(right[6], work: 9)
        #expect(CheckpointForkChoice.bestTip(among: [a, b, c], latestJustified: unknownJustified, latestFinalized: genesis,
                                             epochLengthBlocks: 4, ancestry: tree) == b)
        #expect(CheckpointForkChoice.bestTip(among: [c, b], latestJustified: genesis, latestFinalized: genesis,
                                             epochLengthBlocks: 4, ancestry: tree) == c)
        #expect(CheckpointForkChoice.bestTip(among: [], latestJustified: genesis, latestFinalized: genesis,
                                             epochLengthBlocks: 4, ancestry: tree) == nil)
    }
}
