import Testing
import RatifyCore
@testable import RatifyPoW

/// A chain of 16 blocks (epochs of 4: checkpoints 1-4 at heights 4, 8, 12, 16) and a tracker.
struct TrackerScenario {
    static let epochLength: UInt64 = 4
    var tree = TestBlockTree()
    let fixture: CheckpointFixture
    var tracker: CheckpointTracker
    let main: [Hash]
    let genesis = Checkpoint(epoch: 0, blockHash: TestBlockTree.genesis)

    init(powers: [Int64] = [10, 10, 10, 10], limits: CheckpointTracker.Limits = .init()) throws {
        fixture = try CheckpointFixture(powers: powers)
        main = tree.extend(TestBlockTree.genesis, by: 16, salt: 1)
        tracker = CheckpointTracker(genesisHash: TestBlockTree.genesis, epochLengthBlocks: Self.epochLength,
                                    validators: fixture.validators, limits: limits)
    }

    func checkpoint(_ epoch: UInt64, on tip: Hash? = nil) -> Checkpoint {
        tree.checkpoint(epoch, on: tip ?? main[main.count - 1], epochLengthBlocks: Self.epochLength)
    }

    @discardableResult
    mutating func votes(_ validators: [Int], _ source: Checkpoint, _ target: Checkpoint) -> [CheckpointVoteOutcome] {
        fixture.add(validators, source, target, to: &tracker, tree: tree)
    }
}

@Suite("checkpoint finality: justification and finalization")
struct CheckpointJustificationTests {
    @Test("3 of 4 equal validators justify a checkpoint, 2 of 4 do not")
    func threeOfFour() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1)
        let outcomes = scenario.votes([0, 1], scenario.genesis, one)
        #expect(outcomes.map(\.status) == [.counted, .counted])
        #expect(!scenario.tracker.isJustified(one))
        #expect(scenario.tracker.stake(source: scenario.genesis, target: one) == 20)
        let third = scenario.votes([2], scenario.genesis, one)
        #expect(third.first?.justified == [one])
        #expect(scenario.tracker.latestJustified == one)
        // Genesis was final from the start: the link from it reports nothing new.
        #expect(third.first?.finalized == [])
        #expect(scenario.tracker.latestFinalized == scenario.genesis)
    }

    @Test("exactly 2/3 of the stake is not a supermajority; more is")
    func exactlyTwoThirds() throws {
        var scenario = try TrackerScenario(powers: [10, 10, 10])
        let one = scenario.checkpoint(1)
        scenario.votes([0, 1], scenario.genesis, one)
        #expect(!scenario.tracker.isJustified(one))
        var heavier = try TrackerScenario(powers: [11, 10, 10])
        heavier.votes([0, 1], heavier.genesis, heavier.checkpoint(1))
        #expect(heavier.tracker.latestJustified == heavier.checkpoint(1))
    }

    @Test("one whale with more than 2/3 of the stake justifies alone; the other three together cannot")
    func whale() throws {
        var scenario = try TrackerScenario(powers: [70, 10, 10, 10])
        let one = scenario.checkpoint(1)
        scenario.votes([1, 2, 3], scenario.genesis, one)
        #expect(!scenario.tracker.isJustified(one))
        scenario.votes([0], scenario.genesis, one)
        #expect(scenario.tracker.isJustified(one))
    }

    @Test("a checkpoint is finalized when its direct child is justified from it")
    func finalization() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2), three = scenario.checkpoint(3)
        scenario.votes([0, 1, 2, 3], scenario.genesis, one)
        let outcomes = scenario.votes([0, 1, 2], one, two)
        #expect(outcomes.last?.justified == [two])
        #expect(outcomes.last?.finalized == [one])
        #expect(scenario.tracker.latestFinalized == one)
        scenario.votes([1, 2, 3], two, three)
        #expect(scenario.tracker.latestFinalized == two)
        #expect(scenario.tracker.latestJustified == three)
        #expect(scenario.tracker.isFinalized(two))
        #expect(!scenario.tracker.isFinalized(three))
    }

    @Test("a link that skips an epoch justifies its target but finalizes nothing; the next direct link does")
    func skippedEpoch() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), three = scenario.checkpoint(3), four = scenario.checkpoint(4)
        scenario.votes([0, 1, 2], scenario.genesis, one)
        let skip = scenario.votes([0, 1, 2], one, three)
        #expect(skip.last?.justified == [three])
        #expect(skip.last?.finalized == [])
        #expect(scenario.tracker.latestFinalized == scenario.genesis)
        #expect(!scenario.tracker.isJustified(scenario.checkpoint(2)))
        let direct = scenario.votes([1, 2, 3], three, four)
        #expect(direct.last?.finalized == [three])
        #expect(scenario.tracker.latestFinalized == three)
    }

    @Test("links that reach their supermajority before their source is justified count once it is")
    func outOfOrder() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2), three = scenario.checkpoint(3)
        scenario.votes([0, 1, 2], two, three)
        scenario.votes([0, 1, 2], one, two)
        #expect(scenario.tracker.latestJustified == scenario.genesis)
        let last = scenario.votes([3, 0, 1], scenario.genesis, one).last
        #expect(last?.justified == [one, two, three])
        #expect(last?.finalized == [one, two])
        #expect(scenario.tracker.latestFinalized == two)
    }

    @Test("the vote that takes its link past 2/3 says so, once, whether or not the link's source is justified yet")
    func supermajorityReported() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        // one → two reaches 2/3 while one is not justified: reported, nothing justified.
        #expect(scenario.votes([0, 1, 2, 3], one, two).map(\.linkReachedSupermajority) == [false, false, true, false])
        #expect(scenario.tracker.latestJustified == scenario.genesis)
        let outcomes = scenario.votes([0, 1, 2, 3], scenario.genesis, one)
        #expect(outcomes.map(\.linkReachedSupermajority) == [false, false, true, false])
        #expect(outcomes[2].justified == [one, two] && outcomes[2].finalized == [one])
    }

    @Test("when half the validators go offline nothing is justified; when they return finality resumes")
    func finalityResumes() throws {
        var scenario = try TrackerScenario()
        let later = scenario.tree.extend(scenario.main[15], by: 8, salt: 6)
        let tips = scenario.main + later
        var voters = scenario.fixture.keys.map { CheckpointVoter(validatorAddress: $0.publicKey.address, epochLengthBlocks: 4) }
        func epoch(_ epoch: Int, online: [Int]) {
            let tip = scenario.tree.tip(tips[epoch * 4 - 1], work: UInt64(epoch * 4))
            for index in online {
                guard case .success(let vote) = voters[index].nextVote(tip: tip, latestJustified: scenario.tracker.latestJustified,
                                                                       ancestry: scenario.tree) else { continue }
                _ = scenario.fixture.add([index], vote.source, vote.target, to: &scenario.tracker, tree: scenario.tree)
            }
        }
        epoch(1, online: [0, 1, 2, 3])
        #expect(scenario.tracker.latestJustified.epoch == 1)
        epoch(2, online: [0, 1])
        epoch(3, online: [0, 1])
        #expect(scenario.tracker.latestJustified.epoch == 1)
        #expect(scenario.tracker.latestFinalized.epoch == 0)
        // Back online: everyone votes 1 → 4, then 4 → 5.
        epoch(4, online: [0, 1, 2, 3])
        #expect(scenario.tracker.latestJustified == scenario.tree.checkpoint(4, on: tips[15], epochLengthBlocks: 4))
        epoch(5, online: [0, 1, 2, 3])
        #expect(scenario.tracker.latestJustified.epoch == 5)
        #expect(scenario.tracker.latestFinalized == scenario.tree.checkpoint(4, on: tips[15], epochLengthBlocks: 4))
    }

    @Test("the same vote twice counts once")
    func duplicate() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1)
        scenario.votes([0], scenario.genesis, one)
        #expect(scenario.votes([0], scenario.genesis, one).map(\.status) == [.duplicate])
        #expect(scenario.tracker.stake(source: scenario.genesis, target: one) == 10)
    }

    @Test("votes for unknown blocks wait; wrong links, non-validators and sources below finality are refused")
    func rejections() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        let unknown = Checkpoint(epoch: 5, blockHash: Hash.sha256([0xAB]))
        #expect(scenario.votes([0], one, unknown).map(\.status) == [.awaitingBlocks])
        for block in [scenario.main[6], scenario.main[8]] {
            let offBoundary = Checkpoint(epoch: 2, blockHash: block)
            #expect(scenario.votes([0], one, offBoundary).map(\.status) == [.rejected(.targetNotAtItsEpoch(offBoundary))])
        }
        let side = scenario.tree.extend(TestBlockTree.genesis, by: 8, salt: 2)
        let sideOne = scenario.checkpoint(1, on: side[7])
        #expect(scenario.votes([0], sideOne, two).map(\.status) == [.rejected(.sourceNotAncestorOfTarget(source: sideOne, target: two))])

        let outsider = try #require(KeyPair(seed: [UInt8](repeating: 0x99, count: 32)))
        let forged = CheckpointVote.signed(chainID: CheckpointFixture.chainID, key: outsider, source: one, target: two)
        #expect(VerifiedCheckpointVote(verifying: forged, chainID: CheckpointFixture.chainID, validators: scenario.fixture.validators) == nil)
        var otherChain = CheckpointVote.signed(chainID: "elsewhere", key: scenario.fixture.keys[0], source: one, target: two)
        #expect(VerifiedCheckpointVote(verifying: otherChain, chainID: CheckpointFixture.chainID, validators: scenario.fixture.validators) == nil)
        otherChain.signature = .zero
        #expect(VerifiedCheckpointVote(verifying: otherChain, chainID: CheckpointFixture.chainID, validators: scenario.fixture.validators) == nil)

        scenario.votes([0, 1, 2], scenario.genesis, one)
        scenario.votes([0, 1, 2], one, two)
        #expect(scenario.tracker.latestFinalized == one)
        let stale = scenario.votes([3], scenario.genesis, scenario.checkpoint(3))
        #expect(stale.map(\.status) == [.rejected(.sourceBelowFinalized(source: 0, finalized: 1))])
    }

    @Test("while the validator set changes, a link needs more than 2/3 of both the outgoing and the incoming set")
    func validatorSetChange() throws {
        // Validators 0-3 until epoch 1; from epoch 2, validator 4 replaces validator 3.
        var scenario = try TrackerScenario(powers: [10, 10, 10, 10, 10])
        let keys = scenario.fixture.keys
        let outgoing = try ValidatorSet(validators: keys[0...3].map { Validator(publicKey: $0.publicKey, votingPower: 10) })
        let incoming = try ValidatorSet(validators: [0, 1, 2, 4].map { Validator(publicKey: keys[$0].publicKey, votingPower: 10) })
        scenario.tracker.setValidators(outgoing, fromEpoch: 0)
        scenario.tracker.setValidators(incoming, fromEpoch: 2)
        #expect(scenario.tracker.validators(forEpoch: 1) == outgoing)
        #expect(scenario.tracker.validators(forEpoch: 5) == incoming)
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        func vote(_ validator: Int, _ source: Checkpoint, _ target: Checkpoint, _ set: ValidatorSet) throws -> CheckpointVoteOutcome {
            let signed = CheckpointVote.signed(chainID: CheckpointFixture.chainID, key: keys[validator], source: source, target: target)
            return scenario.tracker.add(try #require(VerifiedCheckpointVote(verifying: signed, chainID: CheckpointFixture.chainID,
                                                                            validators: set)), ancestry: scenario.tree)
        }
        for validator in [0, 1, 2] { _ = try vote(validator, scenario.genesis, one, outgoing) }
        #expect(scenario.tracker.isJustified(one))
        _ = try vote(0, one, two, incoming)
        _ = try vote(1, one, two, incoming)
        _ = try vote(4, one, two, incoming)
        // 30 of 40 in the incoming set, only 20 of 40 in the outgoing one.
        #expect(scenario.tracker.stake(source: one, target: two) == 30)
        #expect(scenario.tracker.previousSetStake(source: one, target: two) == 20)
        #expect(!scenario.tracker.isJustified(two))
        // Validator 3 is leaving but still weighs in the outgoing set.
        #expect(try vote(3, one, two, outgoing).finalized == [one])
        #expect(scenario.tracker.isJustified(two))
    }

    @Test("votes are capped per epoch, and past the epoch cap the oldest epoch is dropped")
    func caps() throws {
        var scenario = try TrackerScenario(limits: .init(votesPerEpochMax: 3, epochsHeldMax: 2))
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2), three = scenario.checkpoint(3)
        scenario.votes([0, 1, 2], scenario.genesis, one)
        #expect(scenario.votes([3], scenario.genesis, one).map(\.status) == [.rejected(.epochFull(epoch: 1, votesMax: 3))])
        scenario.votes([0], one, two)
        #expect(scenario.tracker.voteCount == 4)
        scenario.votes([0], two, three)
        #expect(scenario.tracker.epochsHeld == 2)
        #expect(scenario.tracker.voteCount == 2)
        // Justification already gained survives the drop.
        #expect(scenario.tracker.isJustified(one))
    }

    @Test("finalizing a checkpoint prunes the votes whose target is below it")
    func pruning() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2), three = scenario.checkpoint(3)
        scenario.votes([0, 1, 2], scenario.genesis, one)
        scenario.votes([0, 1, 2], one, two)
        #expect(scenario.tracker.voteCount == 6)
        scenario.votes([0, 1, 2], two, three)
        #expect(scenario.tracker.latestFinalized == two)
        #expect(scenario.tracker.voteCount == 6)
        #expect(scenario.tracker.epochsHeld == 2)
        #expect(scenario.tracker.stake(source: scenario.genesis, target: one) == 0)
        #expect(scenario.tracker.stake(source: two, target: three) == 30)
    }
}

@Suite("checkpoint finality: slashable votes")
struct CheckpointSlashingTests {
    static func evidence(_ outcomes: [CheckpointVoteOutcome]) -> FFGSlashingEvidence? {
        for outcome in outcomes { if case .conflicting(let evidence) = outcome.status { return evidence } }
        return nil
    }

    @Test("a double vote is detected in either order, produces the same evidence, and its second vote does not count")
    func doubleVote() throws {
        var first = try TrackerScenario()
        let side = first.tree.extend(first.main[4], by: 6, salt: 3)
        var second = first
        // Both links are valid: the side branch leaves the main one after checkpoint 1.
        let one = first.checkpoint(1), sideTwo = first.checkpoint(2, on: side[5]), two = first.checkpoint(2)
        first.votes([0], one, two)
        let a = try #require(Self.evidence(first.votes([0], one, sideTwo)))
        second.votes([0], one, sideTwo)
        let b = try #require(Self.evidence(second.votes([0], one, two)))
        #expect(a == b)
        #expect(a.kind == .doubleVote)
        #expect(a.validatorAddress == first.fixture.keys[0].publicKey.address)
        #expect(first.tracker.stake(source: one, target: sideTwo) == 0)
        #expect(second.tracker.stake(source: one, target: two) == 0)
    }

    @Test("a surround vote is detected whether the outer or the inner vote comes first")
    func surroundVote() throws {
        var outerFirst = try TrackerScenario()
        var innerFirst = outerFirst
        let one = outerFirst.checkpoint(1), two = outerFirst.checkpoint(2), four = outerFirst.checkpoint(4)
        outerFirst.votes([1], outerFirst.genesis, four)
        let a = try #require(Self.evidence(outerFirst.votes([1], one, two)))
        innerFirst.votes([1], one, two)
        let b = try #require(Self.evidence(innerFirst.votes([1], innerFirst.genesis, four)))
        #expect(a == b)
        #expect(a.kind == .surroundVote)
        #expect(a.verifySignatures(chainID: CheckpointFixture.chainID, key: outerFirst.fixture.keys[1].publicKey))
    }

    @Test("a surround vote whose source is below the finalized checkpoint is still evidence against a held vote, and counts for nothing")
    func surroundBelowFinalized() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2), three = scenario.checkpoint(3)
        scenario.votes([0, 1, 2], scenario.genesis, one)
        scenario.votes([0, 1, 2, 3], one, two)
        #expect(scenario.tracker.latestFinalized == one)
        let outer = scenario.votes([3], scenario.genesis, three)
        #expect(Self.evidence(outer)?.kind == .surroundVote)
        #expect(scenario.tracker.stake(source: scenario.genesis, target: three) == 0)
    }

    @Test("conflicting votes are evidence even when the conflicting vote's blocks are unknown")
    func evidenceBeforeBlocks() throws {
        var scenario = try TrackerScenario()
        let one = scenario.checkpoint(1), two = scenario.checkpoint(2)
        scenario.votes([2], one, two)
        let phantom = Checkpoint(epoch: 2, blockHash: Hash.sha256([0xEE]))
        #expect(Self.evidence(scenario.votes([2], one, phantom))?.kind == .doubleVote)
    }

    @Test("with half the stake equivocating, two nodes hearing votes in different orders finalize conflicting checkpoints, and both hold evidence")
    func accountableSafetyBreaksAboveOneThird() throws {
        var nodeA = try TrackerScenario()
        let side = nodeA.tree.extend(TestBlockTree.genesis, by: 8, salt: 4)
        var nodeB = nodeA
        let mainOne = nodeA.checkpoint(1), mainTwo = nodeA.checkpoint(2)
        let sideOne = nodeA.checkpoint(1, on: side[7]), sideTwo = nodeA.checkpoint(2, on: side[7])
        // Validators 0 and 1 sign both branches; 2 follows main, 3 follows side.
        nodeA.votes([0, 1, 2], nodeA.genesis, mainOne)
        nodeA.votes([0, 1, 2], mainOne, mainTwo)
        nodeB.votes([0, 1, 3], nodeB.genesis, sideOne)
        nodeB.votes([0, 1, 3], sideOne, sideTwo)
        #expect(nodeA.tracker.latestFinalized == mainOne)
        #expect(nodeB.tracker.latestFinalized == sideOne)
        // Each node then hears the other side's votes: evidence against exactly validators 0 and 1.
        let lateA = nodeA.votes([0, 1, 3], nodeA.genesis, sideOne) + nodeA.votes([0, 1, 3], sideOne, sideTwo)
        let lateB = nodeB.votes([0, 1, 2], nodeB.genesis, mainOne) + nodeB.votes([0, 1, 2], mainOne, mainTwo)
        let accusedA = Set(lateA.compactMap { Self.evidence([$0])?.validatorAddress })
        let accusedB = Set(lateB.compactMap { Self.evidence([$0])?.validatorAddress })
        let equivocators = Set(nodeA.fixture.keys[0...1].map(\.publicKey.address))
        #expect(accusedA == equivocators)
        #expect(accusedB == equivocators)
        #expect(nodeA.tracker.latestFinalized == mainOne)
    }
}
