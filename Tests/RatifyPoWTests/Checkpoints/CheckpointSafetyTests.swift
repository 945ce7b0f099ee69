import Testing
import RatifyCore
@testable import RatifyPoW

/// Accountable safety, randomized: honest validators follow the guarded voting rule on
/// branches that change under them and through network partitions, validators with less than
/// 1/3 of the stake sign every link either side votes for (and arbitrary ones), and nodes hear
/// the votes in different orders. No two conflicting checkpoints may ever both be finalized,
/// by one node or across nodes. (With a 1/2 quorum in place of 2/3 this test fails: the
/// minority side's two honest votes and the two equivocators' would finalize its branch.)
@Suite("checkpoint finality: randomized safety")
struct CheckpointSafetyTests {
    static let epochLength: UInt64 = 2
    static let epochs: UInt64 = 12
    static let honest = 0..<5, byzantine = 5..<7

    @Test("with less than 1/3 of the stake misbehaving, no two conflicting checkpoints are both finalized (30 seeds)")
    func noConflictingFinality() throws {
        var progressed = 0, evidenceFound = 0
        for seed: UInt64 in 1...30 {
            let run = try Self.run(seed: seed)
            if run.finalizedPastGenesis { progressed += 1 }
            evidenceFound += run.evidenceCount
        }
        // Most runs must finalize past genesis and catch equivocation, or the checks hold vacuously.
        #expect(progressed >= 15, "only \(progressed) of 30 runs finalized a checkpoint past genesis")
        #expect(evidenceFound > 0, "no run produced evidence against the misbehaving validators")
    }

    /// One seeded run: whether some node finalized a checkpoint past genesis, and how much
    /// evidence the nodes produced.
    static func run(seed: UInt64) throws -> (finalizedPastGenesis: Bool, evidenceCount: Int) {
        var random = SplitMix64(seed: 0xFF6_0000 + seed)
        let fixture = try CheckpointFixture(powers: [Int64](repeating: 10, count: 7))
        var tree = TestBlockTree()
        let blocksPerBranch = Int(Self.epochs * Self.epochLength)
        let main = tree.extend(TestBlockTree.genesis, by: blocksPerBranch, salt: 1)
        let forkHeight = Int.random(in: 0..<8, using: &random)
        let second = tree.extend(forkHeight == 0 ? TestBlockTree.genesis : main[forkHeight - 1], by: blocksPerBranch, salt: 2)
        let third = tree.extend(second[Int.random(in: 4..<12, using: &random)], by: blocksPerBranch, salt: 3)
        let branches = [main.last, second.last, third.last].compactMap { $0 }

        func newTracker() -> CheckpointTracker {
            CheckpointTracker(genesisHash: TestBlockTree.genesis, epochLengthBlocks: Self.epochLength, validators: fixture.validators)
        }
        // Two views: honest validators 0-2 see through the first, 3-4 through the second. In a
        // partitioned epoch each side follows its own branch and hears the other side's votes
        // only after the partition heals.
        var views = [newTracker(), newTracker()]
        var delayed: [[VerifiedCheckpointVote]] = [[], []]
        var voters = Self.honest.map { CheckpointVoter(validatorAddress: fixture.keys[$0].publicKey.address, epochLengthBlocks: Self.epochLength) }
        var votes: [VerifiedCheckpointVote] = []
        var finalized: Set<Checkpoint> = [views[0].latestFinalized]
        var evidence: [FFGSlashingEvidence] = []

        func deliver(_ vote: VerifiedCheckpointVote, to view: Int) {
            let outcome = views[view].add(vote, ancestry: tree)
            finalized.formUnion(outcome.finalized)
            if case .conflicting(let found) = outcome.status { evidence.append(found) }
        }

        for epoch in 1...Self.epochs {
            let partitioned = Bool.random(using: &random)
            let shared = branches[Int.random(in: 0..<branches.count, using: &random)]
            let followed = (0..<2).map { _ in partitioned ? branches[Int.random(in: 0..<branches.count, using: &random)] : shared }
            var linksBySide: [[(Checkpoint, Checkpoint)]] = [[], []]
            for index in Self.honest {
                let side = index < 3 ? 0 : 1
                let height = epoch * Self.epochLength + UInt64.random(in: 0..<Self.epochLength, using: &random)
                guard let tipHash = tree.ancestorHash(of: followed[side], atHeight: height),
                      let tip = views[side].bestTip(among: [tree.tip(tipHash, work: height)], ancestry: tree),
                      case .success(let vote) = voters[index].nextVote(tip: tip, latestJustified: views[side].latestJustified, ancestry: tree),
                      let verified = fixture.vote(index, vote.source, vote.target) else { continue }
                votes.append(verified)
                linksBySide[side].append((vote.source, vote.target))
                deliver(verified, to: side)
                if partitioned { delayed[1 - side].append(verified) } else { deliver(verified, to: 1 - side) }
            }
            // The misbehaving validators sign every link either side votes for, and each side
            // hears first the copies that help it; then some arbitrary votes.
            for index in Self.byzantine {
                var copies: [[VerifiedCheckpointVote]] = [[], []]
                for side in 0..<2 {
                    for (source, target) in linksBySide[side] {
                        guard let copy = fixture.vote(index, source, target), !copies[side].contains(copy) else { continue }
                        copies[side].append(copy)
                    }
                }
                votes += copies[0] + copies[1]
                for side in 0..<2 { for copy in copies[side] + copies[1 - side] { deliver(copy, to: side) } }
                let targetEpoch = UInt64.random(in: 1...epoch, using: &random)
                let sourceEpoch = UInt64.random(in: 0..<targetEpoch, using: &random)
                let targetBranch = branches[Int.random(in: 0..<branches.count, using: &random)]
                let sourceBranch = Bool.random(using: &random) ? targetBranch : branches[Int.random(in: 0..<branches.count, using: &random)]
                guard let arbitrary = fixture.vote(index, tree.checkpoint(sourceEpoch, on: sourceBranch, epochLengthBlocks: Self.epochLength),
                                                   tree.checkpoint(targetEpoch, on: targetBranch, epochLengthBlocks: Self.epochLength)) else { continue }
                votes.append(arbitrary)
                for side in 0..<2 { deliver(arbitrary, to: side) }
            }
            if !partitioned {
                for side in 0..<2 { for vote in delayed[side] { deliver(vote, to: side) } }
                delayed = [[], []]
            }
        }
        for side in 0..<2 { for vote in delayed[side] { deliver(vote, to: side) } }

        // Two more nodes hear every vote, each in its own order.
        for _ in 0..<2 {
            var node = newTracker()
            for vote in votes.shuffled(using: &random) {
                let outcome = node.add(vote, ancestry: tree)
                finalized.formUnion(outcome.finalized)
            }
        }

        let ordered = finalized.sorted { $0.epoch < $1.epoch }
        for (index, lower) in ordered.enumerated() {
            for higher in ordered[(index + 1)...] {
                let consistent = lower.epoch == higher.epoch
                    ? lower == higher
                    : tree.branch(endingAt: higher.blockHash, contains: lower, epochLengthBlocks: Self.epochLength)
                #expect(consistent, "seed \(seed): finalized \(lower) and \(higher) conflict")
            }
        }
        let byzantineAddresses = Set(Self.byzantine.map { fixture.keys[$0].publicKey.address })
        #expect(evidence.allSatisfy { byzantineAddresses.contains($0.validatorAddress) }, "seed \(seed): evidence against an honest validator")
        return (ordered.count > 1, evidence.count)
    }

    @Test("five of seven honest validators voting by the rule justify every epoch and finalize all but the last")
    func runsMakeProgress() throws {
        let fixture = try CheckpointFixture(powers: [Int64](repeating: 10, count: 7))
        var tree = TestBlockTree()
        let main = tree.extend(TestBlockTree.genesis, by: 8, salt: 1)
        var tracker = CheckpointTracker(genesisHash: TestBlockTree.genesis, epochLengthBlocks: Self.epochLength, validators: fixture.validators)
        var voters = Self.honest.map { CheckpointVoter(validatorAddress: fixture.keys[$0].publicKey.address, epochLengthBlocks: Self.epochLength) }
        for epoch in UInt64(1)...4 {
            for index in Self.honest {
                let tip = tree.tip(main[Int(epoch * Self.epochLength) - 1], work: epoch)
                guard case .success(let vote) = voters[index].nextVote(tip: tip, latestJustified: tracker.latestJustified, ancestry: tree),
                      let verified = fixture.vote(index, vote.source, vote.target) else { continue }
                _ = tracker.add(verified, ancestry: tree)
            }
        }
        // Five of seven (50 of 70 > 2/3) vote every epoch: epochs 1-4 justified, 1-3 finalized.
        #expect(tracker.latestJustified.epoch == 4)
        #expect(tracker.latestFinalized.epoch == 3)
    }
}
