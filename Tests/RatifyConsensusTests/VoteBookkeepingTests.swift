import Testing
@_spi(Simulation) import RatifyConsensus
import RatifyCore

/// Vote counting, evidence, caps, observers and crash replay.
@Suite("vote bookkeeping")
struct VoteBookkeepingTests {
    @Test("a second, different vote from one validator yields evidence once and never counts twice towards one quorum")
    func conflictingVoteEvidence() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let others = f.others(than: me)
        let first = f.signedVote(.precommit, round: 0, f.block(1).id, by: others[0])
        let second = f.signedVote(.precommit, round: 0, f.block(2).id, by: others[0])
        #expect(core.handle(.vote(try #require(VerifiedVote(verifying: first, chainID: Fixture.chainID, validators: f.set)))).isEmpty)
        let effects = core.handle(.vote(try #require(VerifiedVote(verifying: second, chainID: Fixture.chainID, validators: f.set))))
        #expect(effects == [.evidence(try DuplicateVoteEvidence(first, second))])
        // Reported once only.
        let third = f.signedVote(.precommit, round: 0, nil, by: others[0])
        #expect(core.handle(.vote(try #require(VerifiedVote(verifying: third, chainID: Fixture.chainID, validators: f.set)))).isEmpty)
        #expect(core.counters.votesConflicting == 2 && core.counters.votesAccepted == 1)
        // Power counted once: one more precommit (20 of 40) is not 2/3+ for anything.
        #expect(core.handle(f.vote(.precommit, round: 0, f.block(2).id, by: others[1])).isEmpty)
    }

    @Test("missing voters are the validators whose vote of that type and round is not counted; all for a round not seen")
    func missingVoters() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let others = f.others(than: me)
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: others[0]))
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: others[1]))
        let everyone = (0..<f.count).map(f.address)
        #expect(core.missingVoters(round: 0, type: .prevote) == everyone.filter { $0 != f.address(others[0]) && $0 != f.address(others[1]) })
        #expect(core.missingVoters(round: 0, type: .precommit) == everyone, "prevotes do not count as precommits")
        #expect(core.missingVoters(round: 7, type: .prevote) == everyone)
    }

    @Test("an equivocator counts for each value it signed, as Algorithm 1 counts messages")
    func equivocatorCountsPerValue() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        let others = f.others(than: me)
        // others[0] prevotes nil first, then the block (to someone else, relayed to us).
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: others[0]))
        _ = core.handle(f.vote(.prevote, round: 0, block.id, by: others[0]))
        _ = core.handle(f.vote(.prevote, round: 0, block.id, by: others[1]))
        // Own prevote for the block makes three distinct validators for it: a polka, so lock.
        let effects = core.handle(f.vote(.prevote, round: 0, block.id, by: me))
        #expect(effects == [f.expectedVote(.precommit, round: 0, block.id, by: me)])
        #expect(core.lockedRound == 0)
    }

    @Test("the same vote twice is a duplicate, counted once")
    func duplicateVote() throws {
        let f = try Fixture()
        var core = f.core(me: f.nonProposerIndex)
        _ = core.handle(.start)
        let other = f.others(than: f.nonProposerIndex)[0]
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: other))
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: other))
        #expect(core.counters.votesAccepted == 1 && core.counters.votesDuplicate == 1)
    }

    @Test("quorum is more than 2/3 of voting power, not of validators")
    func quorumByPower() throws {
        // Powers 50, 20, 20, 10: the 50 and one 20 are 70% (a quorum); 20 + 20 + 10 is 50% (not).
        let f = try Fixture(powers: [50, 20, 20, 10])
        let observerCore = f.core(me: nil)
        var small = observerCore
        _ = small.handle(.start)
        let block = f.block(1)
        _ = small.handle(f.proposal(block, round: 0))
        let heavy = try #require(f.set.index(of: f.keys[0].publicKey.address))
        let lightIndices = f.others(than: heavy)
        let smallEffects = Fixture.feed(&small, f.votes(.precommit, round: 0, block.id, from: lightIndices))
        #expect(!smallEffects.contains { if case .decide = $0 { true } else { false } })

        var big = observerCore
        _ = big.handle(.start)
        _ = big.handle(f.proposal(block, round: 0))
        let bigEffects = Fixture.feed(&big, f.votes(.precommit, round: 0, block.id, from: [heavy, lightIndices[0]]))
        #expect(bigEffects.contains { if case .decide = $0 { true } else { false } })
    }

    @Test("exactly 2/3 of the power is not a quorum")
    func exactlyTwoThirdsIsNotQuorum() throws {
        let f = try Fixture(powers: [10, 10, 10])
        var core = f.core(me: nil)
        _ = core.handle(.start)
        let block = f.block(1)
        _ = core.handle(f.proposal(block, round: 0))
        let effects = Fixture.feed(&core, f.votes(.precommit, round: 0, block.id, from: [0, 1]))
        #expect(!effects.contains { if case .decide = $0 { true } else { false } })
        #expect(core.handle(f.vote(.precommit, round: 0, block.id, by: 2)).contains { if case .decide = $0 { true } else { false } })
    }

    @Test("an observer follows rounds and decides but never signs or proposes")
    func observer() throws {
        let f = try Fixture()
        var core = f.core(me: nil)
        #expect(core.handle(.start) == [f.schedule(.propose, round: 0), f.schedule(.resend, round: 0)])
        let block = f.block(1)
        var effects = core.handle(f.proposal(block, round: 0))
        effects += Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: [0, 1, 2]))
        effects += Fixture.feed(&core, f.votes(.precommit, round: 0, block.id, from: [0, 1, 2]))
        #expect(!effects.contains { if case .signVote = $0 { true } else { false } })
        #expect(effects.contains { if case .decide = $0 { true } else { false } })
    }

    @Test("votes for rounds far ahead are capped per validator and counted when dropped")
    func futureRoundAllowance() throws {
        let f = try Fixture()
        var core = f.core(me: f.nonProposerIndex)
        _ = core.handle(.start)
        let flooder = f.others(than: f.nonProposerIndex)[0]
        for round in Round(5)..<Round(25) {
            _ = core.handle(f.vote(.prevote, round: round, nil, by: flooder))
        }
        #expect(core.counters.votesAccepted == UInt64(ConsensusLimits.futureRoundsPerValidatorMax))
        #expect(core.counters.votesRoundDropped == UInt64(20 - ConsensusLimits.futureRoundsPerValidatorMax))
        // The next round is always tracked.
        _ = core.handle(f.vote(.prevote, round: 1, nil, by: flooder))
        #expect(core.counters.votesAccepted == UInt64(ConsensusLimits.futureRoundsPerValidatorMax) + 1)
        // Beyond roundsAheadMax nothing is tracked, from anyone.
        let other = f.others(than: f.nonProposerIndex)[1]
        _ = core.handle(f.vote(.prevote, round: ConsensusLimits.roundsAheadMax + 1, nil, by: other))
        #expect(core.counters.votesRoundDropped == UInt64(20 - ConsensusLimits.futureRoundsPerValidatorMax) + 1)
    }

    @Test("votes for later heights are buffered up to the cap, then dropped and counted")
    func futureHeightCap() throws {
        let f = try Fixture()
        var core = f.core(me: nil)
        _ = core.handle(.start)
        let vote = f.signedVote(.prevote, round: 0, nil, by: 0, height: 2)
        let verified = VerifiedVote(unchecked: vote)
        for _ in 0..<(ConsensusLimits.futureHeightVotesMax + 10) {
            _ = core.handle(.vote(verified))
        }
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: 0, height: 3))
        #expect(core.counters.futureHeightVotesBuffered == UInt64(ConsensusLimits.futureHeightVotesMax))
        #expect(core.counters.futureHeightVotesDropped == 11)
    }

    @Test("a vote whose index names another validator is dropped")
    func wrongIndexDropped() throws {
        let f = try Fixture()
        var core = f.core(me: nil)
        _ = core.handle(.start)
        var vote = f.signedVote(.prevote, round: 0, nil, by: 0)
        vote.validatorIndex = 1
        #expect(VerifiedVote(verifying: vote, chainID: Fixture.chainID, validators: f.set) == nil)
        _ = core.handle(.vote(VerifiedVote(unchecked: vote)))
        #expect(core.counters.votesUnknownValidator == 1 && core.counters.votesAccepted == 0)
    }

    @Test("a forged signature does not verify")
    func forgedSignatureRejected() throws {
        let f = try Fixture()
        var vote = f.signedVote(.prevote, round: 0, nil, by: 0)
        vote.blockID = f.block(1).id
        #expect(VerifiedVote(verifying: vote, chainID: Fixture.chainID, validators: f.set) == nil)
        #expect(VerifiedVote(verifying: f.signedVote(.prevote, round: 0, nil, by: 0), chainID: "other-chain", validators: f.set) == nil)
    }

    @Test("a vote or proposal signed with the member's own key is verified by making it; another key or member is refused")
    func signedWithOwnKey() throws {
        let f = try Fixture()
        let unsigned = Vote(type: .prevote, height: f.height, round: 0, blockID: f.block(1).id,
                            validatorAddress: f.address(1), validatorIndex: 1)
        let own = try #require(VerifiedVote(signing: unsigned, chainID: Fixture.chainID, with: f.key(1), validators: f.set))
        // The signature made is the one verification accepts (Ed25519 is deterministic: the same as signing anywhere).
        #expect(VerifiedVote(verifying: own.vote, chainID: Fixture.chainID, validators: f.set) == own)
        #expect(own.vote == f.signedVote(.prevote, round: 0, f.block(1).id, by: 1))
        #expect(VerifiedVote(signing: unsigned, chainID: Fixture.chainID, with: f.key(2), validators: f.set) == nil)
        var misplaced = unsigned
        misplaced.validatorIndex = 2
        #expect(VerifiedVote(signing: misplaced, chainID: Fixture.chainID, with: f.key(1), validators: f.set) == nil)
        misplaced.validatorIndex = UInt32(f.count)
        #expect(VerifiedVote(signing: misplaced, chainID: Fixture.chainID, with: f.key(1), validators: f.set) == nil)

        let proposer = f.proposerIndex(round: 0)
        let proposal = Proposal(height: f.height, round: 0, polRound: nil, blockID: f.block(1).id, proposerAddress: f.address(proposer))
        let signed = try #require(VerifiedProposal(signing: proposal, chainID: Fixture.chainID, with: f.key(proposer), validators: f.set))
        #expect(VerifiedProposal(verifying: signed.proposal, chainID: Fixture.chainID, validators: f.set) == signed)
        let other = (proposer + 1) % f.count
        #expect(VerifiedProposal(signing: proposal, chainID: Fixture.chainID, with: f.key(other), validators: f.set) == nil)
        let stranger = try #require(KeyPair(seed: [UInt8](repeating: 7, count: 32)))
        var unknown = proposal
        unknown.proposerAddress = stranger.publicKey.address
        #expect(VerifiedProposal(signing: unknown, chainID: Fixture.chainID, with: stranger, validators: f.set) == nil)
    }

    @Test("replaying the height's WAL after a crash restores the lock and signs nothing new")
    func replayRestoresState() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var live = f.core(me: me)
        var wal: [ConsensusInput] = []
        func run(_ input: ConsensusInput) -> [ConsensusEffect] {
            wal.append(input)
            var effects = live.handle(input)
            // The shell feeds signed own votes back, logging them too.
            var index = 0
            while index < effects.count {
                if case .signVote(var vote) = effects[index] {
                    vote.signature = f.key(me).sign(vote.signBytes(chainID: Fixture.chainID))
                    let own = ConsensusInput.vote(VerifiedVote(unchecked: vote))
                    wal.append(own)
                    effects += live.handle(own)
                }
                index += 1
            }
            return effects
        }
        _ = live.handle(.start)
        let block = f.block(1)
        _ = run(f.proposal(block, round: 0))
        for input in f.votes(.prevote, round: 0, block.id, from: f.others(than: me)) { _ = run(input) }
        _ = run(f.vote(.precommit, round: 0, nil, by: f.others(than: me)[0]))
        #expect(live.lockedRound == 0)

        var restarted = f.core(me: me)
        _ = restarted.handle(.start)
        for input in wal { _ = restarted.handle(input) }
        #expect(restarted.lockedRound == live.lockedRound && restarted.lockedValue == live.lockedValue)
        #expect(restarted.round == live.round && restarted.step == live.step)
        #expect(restarted.validRound == live.validRound)
        // The same rules fire again after the timeout, with the same (already signed) votes.
        #expect(restarted.handle(.timeout(f.timeout(.propose, round: 0))).isEmpty)
    }
}

@Suite("own signatures")
struct OwnSignatureTests {
    @Test("a vote signed with this validator's key before a crash stands: the core never signs a different one")
    func adoptedVoteStands() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        // The WAL holds this validator's nil prevote for round 0 (cast after a timeout it lost).
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: me))
        // Now a valid proposal arrives: line 22 would prevote it, but a prevote exists.
        let effects = core.handle(f.proposal(f.block(1), round: 0))
        #expect(!effects.contains { if case .signVote = $0 { true } else { false } })
        #expect(core.step == .prevote)
        #expect(core.counters.votesWithheldForOwnSignature == 1)
    }
}
