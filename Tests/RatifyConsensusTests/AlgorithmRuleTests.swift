import Testing
import RatifyConsensus
import RatifyCore

/// One test per rule of Algorithm 1 ("The latest gossip on BFT consensus"): a scripted
/// sequence of inputs and the exact effects expected.
@Suite("Algorithm 1 rules")
struct AlgorithmRuleTests {
    // MARK: StartRound (lines 10-21)

    @Test("line 21: a non-proposer starts round 0 by scheduling timeoutPropose(0) and nothing else")
    func startAsNonProposer() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        #expect(core.handle(.start) == [f.schedule(.propose, round: 0), f.schedule(.resend, round: 0)])
        #expect(core.round == 0 && core.step == .propose && core.phase == .running)
    }

    @Test("lines 14-19: the proposer asks for a value, then signs a proposal for it with valid round -1")
    func proposerProposesNewValue() throws {
        let f = try Fixture()
        let me = f.proposerIndex(round: 0)
        var core = f.core(me: me)
        #expect(core.handle(.start) == [.requestProposalBlock(height: 1, round: 0), f.schedule(.propose, round: 0), f.schedule(.resend, round: 0)])
        let block = f.block(1)
        let expected = Proposal(height: 1, round: 0, polRound: nil, blockID: block.id, proposerAddress: f.address(me))
        #expect(core.handle(.proposalBlock(block, height: 1, round: 0)) == [.signProposal(expected, block: block)])
        // A second answer for the same round is not a second proposal.
        #expect(core.handle(.proposalBlock(f.block(2), height: 1, round: 0)).isEmpty)
    }

    @Test("lines 15-16: a proposer with a valid value re-proposes it with its valid round")
    func proposerReproposesValidValue() throws {
        let f = try Fixture()
        // Find a validator that does not propose round 0 but proposes round 1.
        let me = f.proposerIndex(round: 1)
        try #require(me != f.proposerIndex(round: 0))
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        // 2/3+ prevotes for the block in round 0: lock and valid value (lines 36-43).
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: f.others(than: me)))
        #expect(core.validRound == 0 && core.validValue == block)
        // Round 0 times out without a decision.
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, nil, from: f.others(than: me)))
        let effects = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        let expected = Proposal(height: 1, round: 1, polRound: 0, blockID: block.id, proposerAddress: f.address(me))
        #expect(effects == [.signProposal(expected, block: block), f.schedule(.propose, round: 1), f.schedule(.resend, round: 1)])
    }

    // MARK: Proposals (lines 22-33)

    @Test("lines 22-24: an unlocked validator prevotes a valid proposal")
    func prevoteValidProposal() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        #expect(core.handle(f.proposal(block, round: 0)) == [f.expectedVote(.prevote, round: 0, block.id, by: me)])
        #expect(core.step == .prevote)
    }

    @Test("lines 23-26: a block the shell judged invalid is prevoted nil")
    func prevoteNilOnInvalidBlock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        guard case .proposal(let verified, _, _) = f.proposal(block, round: 0) else { return }
        let effects = core.handle(.proposal(verified, block: block, blockIsValid: false))
        #expect(effects == [f.expectedVote(.prevote, round: 0, nil, by: me)])
    }

    @Test("line 22: a proposal signed by a validator that is not the round's proposer is ignored")
    func proposalFromNonProposerIgnored() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let impostor = f.others(than: f.proposerIndex(round: 0)).first { $0 != me } ?? me
        #expect(core.handle(f.proposal(f.block(1), round: 0, by: impostor)).isEmpty)
        #expect(core.step == .propose)
        #expect(core.counters.proposalsIgnored == 1)
    }

    @Test("line 23: a locked validator prevotes its locked block on a new proposal of it")
    func lockedPrevotesLockedBlock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = try lockedCore(f, me: me)
        let locked = try #require(core.lockedValue)
        // Round 1: the proposer proposes the locked block again, without a valid round.
        let effects = core.handle(f.proposal(locked, round: 1))
        #expect(effects == [f.expectedVote(.prevote, round: 1, locked.id, by: me)])
    }

    @Test("line 26: a locked validator prevotes nil on a proposal of another block with no valid round")
    func lockedPrevotesNilOnOtherBlock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = try lockedCore(f, me: me)
        let effects = core.handle(f.proposal(f.block(99), round: 1))
        #expect(effects == [f.expectedVote(.prevote, round: 1, nil, by: me)])
    }

    @Test("lines 28-30: a proposal with a valid round and 2/3+ prevotes in it is prevoted even if locked at a lower round")
    func polProposalUnlocksLowerLock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = try lockedCore(f, me: me) // locked on block 1 in round 0, now in round 1
        let other = f.block(2)
        // Round 1: 2/3+ prevote block 2 (this validator missed the round-1 proposal); precommits nil.
        let othersInRound1 = f.others(than: me)
        _ = Fixture.feed(&core, f.votes(.prevote, round: 1, other.id, from: othersInRound1))
        _ = core.handle(.timeout(f.timeout(.propose, round: 1)))
        _ = Fixture.feed(&core, f.votes(.precommit, round: 1, nil, from: othersInRound1))
        _ = core.handle(.timeout(f.timeout(.prevote, round: 1)))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 1)))
        #expect(core.round == 2 && core.lockedRound == 0)
        // Round 2: block 2 re-proposed with valid round 1.
        let effects = core.handle(f.proposal(other, round: 2, polRound: 1))
        #expect(effects == [f.expectedVote(.prevote, round: 2, other.id, by: me)])
    }

    @Test("line 29: a proposal whose valid round is below the lock round, for another block, is prevoted nil")
    func polProposalBelowLockIsRejected() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let old = f.block(1), locked = f.block(2)
        // Round 0: 2/3+ prevotes for `old`, but this validator never saw the proposal: no lock.
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, old.id, from: f.others(than: me)))
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        _ = core.handle(.timeout(f.timeout(.prevote, round: 0)))
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, nil, from: f.others(than: me)))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        // Round 1: lock on `locked`.
        _ = core.handle(f.proposal(locked, round: 1))
        _ = Fixture.feed(&core, f.votes(.prevote, round: 1, locked.id, from: f.others(than: me)))
        #expect(core.lockedRound == 1 && core.lockedValue == locked)
        _ = Fixture.feed(&core, f.votes(.precommit, round: 1, nil, from: f.others(than: me)))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 1)))
        // Round 2: `old` with valid round 0 < lockedRound 1.
        let effects = core.handle(f.proposal(old, round: 2, polRound: 0))
        #expect(effects == [f.expectedVote(.prevote, round: 2, nil, by: me)])
    }

    @Test("line 28: a proposal with a valid round waits for 2/3+ prevotes in that round")
    func polProposalWaitsForPolka() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, nil, from: f.others(than: me)))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        let block = f.block(5)
        #expect(core.handle(f.proposal(block, round: 1, polRound: 0)).isEmpty)
        let voters = f.others(than: me)
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: Array(voters.prefix(2))))
        #expect(core.step == .propose)
        let effects = core.handle(f.vote(.prevote, round: 0, block.id, by: voters[2]))
        #expect(effects == [f.expectedVote(.prevote, round: 1, block.id, by: me)])
    }

    // MARK: Prevote step (lines 34-46)

    @Test("lines 34-35: 2/3+ prevotes for anything schedule timeoutPrevote once")
    func prevoteTimeoutOnMixedPolka() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0))) // prevote nil, step prevote
        let others = f.others(than: me)
        #expect(core.handle(f.vote(.prevote, round: 0, f.block(1).id, by: others[0])).isEmpty)
        #expect(core.handle(f.vote(.prevote, round: 0, f.block(2).id, by: others[1])).isEmpty)
        // Three of four equal powers, split three ways: 2/3+ in total, for no single value.
        #expect(core.handle(f.vote(.prevote, round: 0, nil, by: others[2])) == [f.schedule(.prevote, round: 0)])
        #expect(core.handle(f.vote(.prevote, round: 0, nil, by: me)).isEmpty)
        #expect(core.step == .prevote)
    }

    @Test("lines 36-41: 2/3+ prevotes for the round's valid proposal lock it and precommit it")
    func lockAndPrecommit() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        let others = f.others(than: me)
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: Array(others.prefix(1))))
        // Own prevote plus one more: 3 of 4 equal powers is 2/3+.
        _ = core.handle(f.vote(.prevote, round: 0, block.id, by: me))
        let effects = core.handle(f.vote(.prevote, round: 0, block.id, by: others[1]))
        // Line 36 moved the step to precommit, so line 34 (while step = prevote) no longer applies.
        #expect(effects == [f.expectedVote(.precommit, round: 0, block.id, by: me)])
        #expect(core.lockedRound == 0 && core.lockedValue == block)
        #expect(core.validRound == 0 && core.validValue == block)
        #expect(core.step == .precommit)
    }

    @Test("lines 42-43: 2/3+ prevotes seen after precommitting nil update the valid value but not the lock")
    func validValueWithoutLock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        _ = core.handle(.timeout(f.timeout(.prevote, round: 0))) // precommit nil, step precommit
        _ = core.handle(f.proposal(block, round: 0))
        let effects = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: f.others(than: me)))
        #expect(!effects.contains { if case .signVote = $0 { true } else { false } })
        #expect(core.lockedRound == nil)
        #expect(core.validRound == 0 && core.validValue == block)
    }

    @Test("lines 44-46: 2/3+ prevotes for nil make the validator precommit nil")
    func precommitNilOnNilPolka() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        let effects = Fixture.feed(&core, f.votes(.prevote, round: 0, nil, from: f.others(than: me)))
        #expect(effects == [f.expectedVote(.precommit, round: 0, nil, by: me)])
        #expect(core.step == .precommit)
    }

    // MARK: Precommit step and decision (lines 47-54)

    @Test("lines 47-48: 2/3+ precommits for anything schedule timeoutPrecommit once")
    func precommitTimeoutOnMixedCommit() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let others = f.others(than: me)
        _ = core.handle(f.vote(.precommit, round: 0, f.block(1).id, by: others[0]))
        _ = core.handle(f.vote(.precommit, round: 0, nil, by: others[1]))
        #expect(core.handle(f.vote(.precommit, round: 0, f.block(2).id, by: others[2])) == [f.schedule(.precommit, round: 0)])
        #expect(core.handle(f.vote(.precommit, round: 0, nil, by: me)).isEmpty)
    }

    @Test("lines 49-51: a proposal and 2/3+ precommits for it decide it, with the commit in validator-set order")
    func decideWithCommit() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        let voters = f.others(than: me)
        let precommits = voters.map { f.signedVote(.precommit, round: 0, block.id, by: $0) }
        var effects: [ConsensusEffect] = []
        for vote in precommits {
            effects += core.handle(.vote(try #require(VerifiedVote(verifying: vote, chainID: Fixture.chainID, validators: f.set))))
        }
        let signatures: [CommitSig] = (0..<f.count).map { index in
            precommits.first { Int($0.validatorIndex) == index }.map { .commit($0.signature) } ?? .absent
        }
        let commit = Commit(height: 1, round: 0, blockID: block.id, signatures: signatures)
        #expect(effects.last == .decide(block, commit))
        #expect(core.phase == .decided && core.decidedRound == 0)
        // Nothing more happens at this height.
        #expect(core.handle(.timeout(f.timeout(.propose, round: 0))).isEmpty)
    }

    @Test("line 50: 2/3+ precommits for a block the shell judged invalid decide nothing")
    func noDecisionOnInvalidBlock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        guard case .proposal(let verified, _, _) = f.proposal(block, round: 0) else { return }
        _ = core.handle(.proposal(verified, block: block, blockIsValid: false))
        let effects = Fixture.feed(&core, f.votes(.precommit, round: 0, block.id, from: f.others(than: me)))
        #expect(!effects.contains { if case .decide = $0 { true } else { false } })
        #expect(core.phase == .running)
    }

    @Test("line 49: 2/3+ precommits for a block never received make the core fetch it, then decide")
    func fetchCommittedBlock() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(7)
        let effects = Fixture.feed(&core, f.votes(.precommit, round: 0, block.id, from: f.others(than: me)))
        #expect(effects.filter { if case .requestBlock = $0 { true } else { false } } == [.requestBlock(block.id, height: 1)])
        // An unrelated block is not taken.
        #expect(core.handle(.block(f.block(8), blockIsValid: true)).isEmpty)
        let decided = core.handle(.block(block, blockIsValid: true))
        guard case .decide(let decidedBlock, let commit)? = decided.first else {
            Issue.record("expected a decision, got \(decided)")
            return
        }
        #expect(decidedBlock == block && commit.blockID == block.id && commit.round == 0)
    }

    @Test("lines 52-54: after the block is applied and the commit wait, the next height starts at round 0 with buffered votes")
    func nextHeight() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, block.id, from: f.others(than: me)))
        #expect(core.phase == .decided)
        // Votes for height 2 arrive early and are buffered.
        let early = f.others(than: me).map { f.vote(.prevote, round: 0, nil, by: $0, height: 2) }
        #expect(Fixture.feed(&core, early).isEmpty)
        #expect(core.counters.futureHeightVotesBuffered == 3)
        #expect(core.handle(.heightApplied(1, validatorsForHeightPlus2: f.set)) == [f.schedule(.commit, round: 0)])
        let effects = core.handle(.timeout(f.timeout(.commit, round: 0)))
        #expect(core.height == 2 && core.round == 0 && core.phase == .running)
        #expect(core.lockedRound == nil && core.validRound == nil)
        // Round 0 of height 2 started, then the buffered nil prevotes (2/3+) counted: the core
        // is still in propose, so lines 34 and 44 do not fire yet.
        #expect(effects == [f.schedule(.propose, round: 0, height: 2), f.schedule(.resend, round: 0, height: 2)])
        let afterTimeout = core.handle(.timeout(f.timeout(.propose, round: 0, height: 2)))
        let ownVote = { (type: VoteType) in
            ConsensusEffect.signVote(Vote(type: type, height: 2, round: 0, blockID: nil,
                                          validatorAddress: f.address(me), validatorIndex: UInt32(me)))
        }
        #expect(afterTimeout == [ownVote(.prevote), ownVote(.precommit)])
    }

    // MARK: Round skip (lines 55-56)

    @Test("lines 55-56: f+1 power from a higher round makes the validator skip to it")
    func skipOnOneThirdPlus() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let others = f.others(than: me)
        #expect(core.handle(f.vote(.prevote, round: 3, nil, by: others[0])).isEmpty)
        #expect(core.round == 0)
        let effects = core.handle(f.vote(.precommit, round: 3, nil, by: others[1]))
        #expect(core.round == 3 && core.step == .propose)
        #expect(effects.contains(f.schedule(.propose, round: 3)))
    }

    @Test("line 55: one validator's many votes from a higher round never make f+1")
    func noSkipBelowOneThird() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let other = f.others(than: me)[0]
        _ = core.handle(f.vote(.prevote, round: 2, nil, by: other))
        _ = core.handle(f.vote(.precommit, round: 2, nil, by: other))
        #expect(core.round == 0)
    }

    // MARK: Timeouts (lines 57-67)

    @Test("lines 57-60: timeoutPropose in the propose step prevotes nil")
    func timeoutPropose() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        #expect(core.handle(.timeout(f.timeout(.propose, round: 0))) == [f.expectedVote(.prevote, round: 0, nil, by: me)])
        #expect(core.step == .prevote)
        // Line 58: a second firing, or one for another round, does nothing.
        #expect(core.handle(.timeout(f.timeout(.propose, round: 0))).isEmpty)
        #expect(core.handle(.timeout(f.timeout(.propose, round: 5))).isEmpty)
        #expect(core.counters.timeoutsStale == 2)
    }

    @Test("lines 61-64: timeoutPrevote in the prevote step precommits nil")
    func timeoutPrevote() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        #expect(core.handle(.timeout(f.timeout(.prevote, round: 0))).isEmpty) // still in propose
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        #expect(core.handle(.timeout(f.timeout(.prevote, round: 0))) == [f.expectedVote(.precommit, round: 0, nil, by: me)])
        #expect(core.step == .precommit)
    }

    @Test("lines 65-67: timeoutPrecommit starts the next round with a longer timeoutPropose")
    func timeoutPrecommit() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let effects = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        #expect(core.round == 1 && core.step == .propose)
        #expect(effects == [.scheduleTimeout(f.timeout(.propose, round: 1), afterMillis: 3_500), f.schedule(.resend, round: 1)])
    }

    // MARK: Helpers

    /// A core at `me` locked on block 1 in round 0 and now in round 1's propose step.
    private func lockedCore(_ f: Fixture, me: Int) throws -> Consensus {
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: f.others(than: me)))
        try #require(core.lockedRound == 0)
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, nil, from: f.others(than: me)))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        try #require(core.round == 1 && core.step == .propose)
        return core
    }
}
