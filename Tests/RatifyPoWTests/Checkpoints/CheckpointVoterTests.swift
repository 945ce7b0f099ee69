import Testing
import RatifyCore
@testable import RatifyPoW

@Suite("checkpoint finality: a validator's own votes")
struct CheckpointVoterTests {
    @Test("an honest validator votes from its latest justified checkpoint to the current epoch's checkpoint of its branch")
    func honestRule() throws {
        let scenario = try TrackerScenario()
        let address = scenario.fixture.keys[0].publicKey.address
        var voter = CheckpointVoter(validatorAddress: address, epochLengthBlocks: 4)
        // Tip at height 6: epoch 1's checkpoint (height 4) is the target.
        let first = try voter.nextVote(tip: scenario.tree.tip(scenario.main[5], work: 6), latestJustified: scenario.genesis,
                                       ancestry: scenario.tree).get()
        #expect(first == CheckpointVote(validatorAddress: address, source: scenario.genesis, target: scenario.checkpoint(1)))
        #expect(voter.signed == CheckpointSignerState(sourceEpoch: 0, targetEpoch: 1))
        // Nothing new until the tip passes the next boundary.
        #expect(voter.nextVote(tip: scenario.tree.tip(scenario.main[6], work: 7), latestJustified: scenario.genesis,
                               ancestry: scenario.tree) == .failure(.targetNotAfterSigned(target: 1, signed: 1)))
        let second = try voter.nextVote(tip: scenario.tree.tip(scenario.main[8], work: 9), latestJustified: scenario.checkpoint(1),
                                        ancestry: scenario.tree).get()
        #expect(second.source == scenario.checkpoint(1))
        #expect(second.target == scenario.checkpoint(2))
        #expect(voter.nextVote(tip: scenario.tree.tip(scenario.main[3], work: 4), latestJustified: scenario.checkpoint(1),
                               ancestry: scenario.tree) == .failure(.noNewEpoch(source: 1, tipEpoch: 1)))
    }

    @Test("the guard refuses a double vote after a reorg and a vote that would surround an earlier one")
    func guardRefusals() throws {
        var scenario = try TrackerScenario()
        let address = scenario.fixture.keys[0].publicKey.address
        var voter = CheckpointVoter(validatorAddress: address, epochLengthBlocks: 4)
        let fork = scenario.tree.extend(scenario.main[4], by: 8, salt: 5)
        _ = try voter.nextVote(tip: scenario.tree.tip(scenario.main[9], work: 10), latestJustified: scenario.checkpoint(1),
                               ancestry: scenario.tree).get()
        // A reorg to a fork with another epoch-2 checkpoint: voting for it would be a double vote.
        #expect(voter.nextVote(tip: scenario.tree.tip(fork[5], work: 11), latestJustified: scenario.checkpoint(1),
                               ancestry: scenario.tree) == .failure(.targetNotAfterSigned(target: 2, signed: 2)))
        // A stale view (source back at genesis) for a later target would surround the 1 → 2 vote.
        #expect(voter.nextVote(tip: scenario.tree.tip(scenario.main[15], work: 16), latestJustified: scenario.genesis,
                               ancestry: scenario.tree) == .failure(.sourceBeforeSigned(source: 0, signed: 1)))
        #expect(voter.signed == CheckpointSignerState(sourceEpoch: 1, targetEpoch: 2))
        // A source the chosen branch does not contain is refused before the guard.
        let elsewhere = scenario.tree.checkpoint(3, on: fork[7], epochLengthBlocks: 4)
        #expect(voter.nextVote(tip: scenario.tree.tip(scenario.main[15], work: 16), latestJustified: elsewhere,
                               ancestry: scenario.tree) == .failure(.sourceNotOnChosenBranch(elsewhere)))
        // Restored from its persisted bytes, the guard refuses the same.
        let restored = CheckpointVoter(validatorAddress: address, epochLengthBlocks: 4,
                                       signed: try CheckpointSignerState(canonicalBytes: try #require(voter.signed).canonicalBytes))
        #expect(restored.guardRefusal(source: scenario.checkpoint(1), target: scenario.checkpoint(2)) != nil)
        #expect(restored.guardRefusal(source: scenario.checkpoint(1), target: scenario.checkpoint(3)) == nil)
    }

    @Test("whatever views it is given, a guarded voter never signs two votes that make evidence (seeded)")
    func guardNeverSlashable() throws {
        var scenario = try TrackerScenario()
        let branches = [scenario.main[15]] + (0..<3).map { scenario.tree.extend(scenario.main[$0 * 3], by: 16, salt: UInt8(20 + $0))[15] }
        for seed: UInt64 in 1...20 {
            var random = SplitMix64(seed: seed)
            var voter = CheckpointVoter(validatorAddress: scenario.fixture.keys[0].publicKey.address, epochLengthBlocks: 4)
            var signed: [CheckpointVote] = []
            for _ in 0..<60 {
                let branch = branches[Int.random(in: 0..<branches.count, using: &random)]
                let height = Height.random(in: 0...16, using: &random)
                guard let tipHash = scenario.tree.ancestorHash(of: branch, atHeight: height) else { continue }
                let source = scenario.tree.checkpoint(UInt64.random(in: 0...3, using: &random), on: branch, epochLengthBlocks: 4)
                if case .success(let vote) = voter.nextVote(tip: scenario.tree.tip(tipHash, work: height), latestJustified: source,
                                                            ancestry: scenario.tree) {
                    signed.append(vote)
                }
            }
            #expect(signed.count >= 2, "seed \(seed): the voter signed too little to test anything")
            for (index, a) in signed.enumerated() {
                for b in signed[(index + 1)...] where FFGSlashingEvidence.conflict(a, b) != nil {
                    Issue.record("seed \(seed): \(a.source) → \(a.target) conflicts with \(b.source) → \(b.target)")
                }
            }
        }
    }
}
