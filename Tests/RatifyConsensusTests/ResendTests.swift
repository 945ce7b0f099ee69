import Testing
import RatifyConsensus
import RatifyCore

/// What keeps a round from stalling for good when votes were lost before GST: the resend timer
/// and the votes a block-synced core inherits (issue #16).
@Suite("resend and inherited votes")
struct ResendTests {
    @Test("a round with no progress re-sends the validator's own signed votes and keeps the timer going")
    func stuckRoundResends() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        #expect(core.handle(.start).contains(f.schedule(.resend, round: 0)))
        // Nothing sent yet: the timer only re-arms.
        #expect(core.handle(.timeout(f.timeout(.resend, round: 0))) == [f.schedule(.resend, round: 0)])
        #expect(core.handle(.timeout(f.timeout(.propose, round: 0))) == [f.expectedVote(.prevote, round: 0, nil, by: me)])
        let prevote = f.signedVote(.prevote, round: 0, nil, by: me)
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: me))
        // One other prevote: no 2/3+ of anything, so no timeout is pending in the prevote step.
        #expect(core.handle(f.vote(.prevote, round: 0, nil, by: f.others(than: me)[0])).isEmpty)
        let effects = core.handle(.timeout(f.timeout(.resend, round: 0)))
        #expect(effects == [.resendVotes([prevote]), f.schedule(.resend, round: 0)])
        #expect(core.counters.votesResent == 1)
        #expect(core.step == .prevote && core.round == 0)
    }

    @Test("in a new round the previous round's votes are re-sent, and the old round's timer ends")
    func previousRoundVotesAndStaleTimer() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        _ = core.handle(f.vote(.prevote, round: 0, nil, by: me))
        // 2/3+ nil prevotes: precommit nil (line 44); then 2/3+ precommits and timeoutPrecommit.
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, nil, from: Array(f.others(than: me).prefix(2))))
        _ = core.handle(f.vote(.precommit, round: 0, nil, by: me))
        _ = Fixture.feed(&core, f.votes(.precommit, round: 0, nil, from: Array(f.others(than: me).prefix(2))))
        _ = core.handle(.timeout(f.timeout(.precommit, round: 0)))
        #expect(core.round == 1 && core.step == .propose)
        let stale = core.handle(.timeout(f.timeout(.resend, round: 0)))
        #expect(stale.isEmpty)
        let effects = core.handle(.timeout(f.timeout(.resend, round: 1)))
        let own = [f.signedVote(.prevote, round: 0, nil, by: me), f.signedVote(.precommit, round: 0, nil, by: me)]
        #expect(effects == [.resendVotes(own), f.schedule(.resend, round: 1)])
    }

    @Test("a proposal citing a POL round whose polka the core never saw names that round as lacking until its prevotes arrive, then line 28 prevotes it")
    func lackingPOLRound() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var core = f.core(me: me)
        _ = core.handle(.start)
        _ = core.handle(.timeout(f.timeout(.propose, round: 0)))
        let block = f.block(1)
        // f+1 prevotes of round 1 move the core there (line 55); it missed round 0's polka.
        _ = Fixture.feed(&core, f.votes(.prevote, round: 1, block.id, from: Array(f.others(than: me).prefix(2))))
        #expect(core.round == 1 && core.step == .propose)
        #expect(core.polRoundLacking == nil, "no proposal yet")
        #expect(core.handle(f.proposal(block, round: 1, polRound: 0)).isEmpty, "line 28 waits for the polka")
        #expect(core.polRoundLacking == 0)
        #expect(core.prevotes(round: 0).isEmpty)
        let polka = f.votes(.prevote, round: 0, block.id, from: f.others(than: me))
        _ = Fixture.feed(&core, Array(polka.prefix(2)))
        #expect(core.polRoundLacking == 0, "2 of 4 equal powers is not 2/3+")
        let effects = core.handle(polka[2])
        #expect(effects.contains(f.expectedVote(.prevote, round: 1, block.id, by: me)))
        #expect(core.polRoundLacking == nil)
        #expect(core.prevotes(round: 0).count == 3)
    }

    @Test("a polka of a round the core had left becomes its valid value: a stalled round re-sends it and the next own proposal cites it")
    func earlierPolkaAdopted() throws {
        let f = try Fixture()
        // A validator that does not propose rounds 0 and 1 but does propose round 2.
        let me = f.proposerIndex(round: 2)
        try #require(me != f.proposerIndex(round: 0) && me != f.proposerIndex(round: 1))
        var core = f.core(me: me)
        _ = core.handle(.start)
        let block = f.block(1)
        #expect(core.handle(f.proposal(block, round: 0)).contains(f.expectedVote(.prevote, round: 0, block.id, by: me)))
        // f+1 prevotes of round 1 move the core on (line 55) before round 0's polka is in.
        let others = f.others(than: me)
        _ = Fixture.feed(&core, f.votes(.prevote, round: 1, nil, from: Array(others.prefix(2))))
        #expect(core.round == 1 && core.validRound == nil)
        #expect(core.validPolka().isEmpty)

        // Round 0's polka arrives late: line 36 no longer applies, the earlier-polka rule does.
        _ = core.handle(f.vote(.prevote, round: 0, block.id, by: me))
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, block.id, from: Array(others.prefix(2))))
        #expect(core.validRound == 0 && core.validValue == block)
        #expect(core.lockedRound == nil, "the lock moves only in the round it was seen in")
        #expect(core.counters.earlierPolkasAdopted == 1)

        // A stalled round 1 re-sends the polka with the validator's own votes, its own first.
        let polka = [me, others[0], others[1]].sorted().map { f.signedVote(.prevote, round: 0, block.id, by: $0) }
        let own = f.signedVote(.prevote, round: 0, block.id, by: me)
        #expect(core.validPolka() == polka)
        let resent = core.handle(.timeout(f.timeout(.resend, round: 1)))
        #expect(resent == [.resendVotes([own] + polka.filter { $0 != own }), f.schedule(.resend, round: 1)])

        // Its own turn (round 2) re-proposes the block with round 0 as the POL round (line 16).
        let effects = Fixture.feed(&core, f.votes(.prevote, round: 2, nil, from: Array(others.prefix(2))))
        let proposal = Proposal(height: f.height, round: 2, polRound: 0, blockID: block.id, proposerAddress: f.address(me))
        #expect(effects.contains(.signProposal(proposal, block: block)))
    }

    @Test("an observer re-sends nothing")
    func observerResendsNothing() throws {
        let f = try Fixture()
        var core = f.core(me: nil)
        _ = core.handle(.start)
        _ = Fixture.feed(&core, f.votes(.prevote, round: 0, nil, from: [0]))
        #expect(core.handle(.timeout(f.timeout(.resend, round: 0))) == [f.schedule(.resend, round: 0)])
    }

    @Test("the resend interval is one round's three base timeouts")
    func resendInterval() {
        let parameters = ConsensusParameters.cometDefaults
        #expect(parameters.resendIntervalMillis == 5_000)
        #expect(parameters.timeoutMillis(.resend, round: 7) == 5_000)
        let huge = ConsensusParameters(timeoutProposeBaseMillis: .max, timeoutPrevoteBaseMillis: 1)
        #expect(huge.resendIntervalMillis == .max)
    }

    @Test("a core that block sync put one height ahead counts the votes its predecessor buffered for that height")
    func inheritedVotes() throws {
        let f = try Fixture()
        let me = f.nonProposerIndex
        var old = f.core(me: me)
        _ = old.handle(.start)
        let early = f.others(than: me).map { f.vote(.prevote, round: 0, nil, by: $0, height: 2) }
        #expect(Fixture.feed(&old, early).isEmpty)
        #expect(old.counters.futureHeightVotesBuffered == 3)

        var synced = Consensus(parameters: f.parameters, me: f.address(me), height: 2, validators: f.set, nextValidators: f.set)
        synced.inheritBufferedVotes(from: old)
        _ = synced.handle(.start)
        #expect(synced.counters.votesAccepted == 3)
        // 2/3+ nil prevotes are here: the propose timeout leads straight to a nil precommit.
        let ownVote = { (type: VoteType) in
            ConsensusEffect.signVote(Vote(type: type, height: 2, round: 0, blockID: nil,
                                          validatorAddress: f.address(me), validatorIndex: UInt32(me)))
        }
        #expect(synced.handle(.timeout(f.timeout(.propose, round: 0, height: 2))) == [ownVote(.prevote), ownVote(.precommit)])

        // Two heights ahead, the buffered votes are of no use and are not taken.
        var far = Consensus(parameters: f.parameters, me: f.address(me), height: 3, validators: f.set, nextValidators: f.set)
        far.inheritBufferedVotes(from: old)
        _ = far.handle(.start)
        #expect(far.counters.votesAccepted == 0)
    }
}
