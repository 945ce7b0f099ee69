import RatifyCore

/// The rules of Algorithm 1 ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic,
/// 2018). Each `upon` rule is a function that checks its condition against the message log
/// and, when it holds, acts and returns true. `evaluateRules` runs them until none fires, so a
/// state change (a new round, a new step) re-examines messages that arrived earlier.
extension Consensus {
    /// Runs every `upon` rule until none fires. Each firing decides, moves to a higher round
    /// or a later step, or sets a first-time guard, so the loop ends; the bound is an assertion.
    mutating func evaluateRules(_ effects: inout [ConsensusEffect]) {
        var passes = 0
        while phase == .running {
            passes += 1
            assert(passes < 100_000, "Algorithm 1 rules did not settle")
            if decideIfCommitted(&effects) { continue }              // line 49
            if skipToHigherRound(&effects) { continue }              // line 55
            if step == .propose, prevoteOnProposal(&effects) { continue }          // line 22
            if step == .propose, prevoteOnProposalWithPOL(&effects) { continue }   // line 28
            if step >= .prevote, lockOnPolka(&effects) { continue }  // line 36
            if adoptEarlierPolka() { continue }                      // not in Algorithm 1
            if step == .prevote, precommitNilOnNilPolka(&effects) { continue }     // line 44
            schedulePrevoteTimeoutOnAnyPolka(&effects)               // line 34
            schedulePrecommitTimeoutOnAnyCommit(&effects)            // line 47
            break
        }
    }

    // MARK: - StartRound (lines 11-21)

    /// Algorithm 1, lines 11-21: StartRound(round).
    mutating func startRound(_ newRound: Round, _ effects: inout [ConsensusEffect]) {
        assert(newRound >= round, "rounds only move forward within a height")
        round = newRound                                            // line 12
        step = .propose                                             // line 13
        prevoteTimeoutScheduled = false
        precommitTimeoutScheduled = false
        lockRuleFired = false
        pendingProposalRound = nil
        if let myIndex, proposers.proposerIndex(round: newRound) == myIndex, let me,  // line 14
           !ownProposalRounds.contains(newRound) {
            if let validValue, let validBlockID {                   // lines 15-16
                ownProposalRounds.append(newRound)
                let proposal = Proposal(height: height, round: newRound, polRound: validRound,
                                        blockID: validBlockID, proposerAddress: me)
                effects.append(.signProposal(proposal, block: validValue))   // line 19
            } else {                                                // lines 17-18: getValue()
                pendingProposalRound = newRound
                effects.append(.requestProposalBlock(height: height, round: newRound))
            }
        }
        // Line 21 schedules timeoutPropose for non-proposers; it is scheduled for the proposer
        // too (as CometBFT does), so that a shell that never answers getValue() cannot stall
        // the proposer in this round. Prevoting nil on the timeout is always safe.
        let event = TimeoutEvent(kind: .propose, height: height, round: newRound)
        effects.append(.scheduleTimeout(event, afterMillis: parameters.timeoutMillis(.propose, round: newRound)))
        // Not in Algorithm 1: a round that makes no progress re-sends this validator's votes
        // (`TimeoutEvent.Kind.resend`), so a vote lost before GST cannot stall it for good.
        let resend = TimeoutEvent(kind: .resend, height: height, round: newRound)
        effects.append(.scheduleTimeout(resend, afterMillis: parameters.resendIntervalMillis))
    }

    // MARK: - Upon rules

    /// Algorithm 1, lines 22-27: ⟨PROPOSAL, h, round_p, v, -1⟩ from proposer(h, round_p) while
    /// step_p = propose.
    mutating func prevoteOnProposal(_ effects: inout [ConsensusEffect]) -> Bool {
        guard let record = rounds.record(round), let proposal = record.proposal, proposal.polRound == nil,
              let entry = blocks.entry(proposal.blockID) else { return false }
        // Line 23: valid(v) ∧ (lockedRound_p = -1 ∨ lockedValue_p = v).
        if entry.isValid && (lockedRound == nil || lockedBlockID == entry.id) {
            castVote(.prevote, entry.id, &effects)                  // line 24
        } else {
            castVote(.prevote, nil, &effects)                       // line 26
        }
        step = .prevote                                             // line 27
        return true
    }

    /// Algorithm 1, lines 28-33: ⟨PROPOSAL, h, round_p, v, vr⟩ from proposer(h, round_p) AND
    /// 2f+1 ⟨PREVOTE, h, vr, id(v)⟩ while step_p = propose ∧ (vr ≥ 0 ∧ vr < round_p).
    mutating func prevoteOnProposalWithPOL(_ effects: inout [ConsensusEffect]) -> Bool {
        guard let record = rounds.record(round), let proposal = record.proposal,
              let polRound = proposal.polRound, polRound < round,
              let entry = blocks.entry(proposal.blockID),
              let polRecord = rounds.record(polRound),
              validators.hasTwoThirdsMajority(polRecord.prevotes.power(for: entry.id)) else { return false }
        // Line 29: valid(v) ∧ (lockedRound_p ≤ vr ∨ lockedValue_p = v).
        let lockAllows = lockedRound.map { $0 <= polRound } ?? true
        if entry.isValid && (lockAllows || lockedBlockID == entry.id) {
            castVote(.prevote, entry.id, &effects)                  // line 30
        } else {
            castVote(.prevote, nil, &effects)                       // line 32
        }
        step = .prevote                                             // line 33
        return true
    }

    /// Algorithm 1, lines 34-35: 2f+1 ⟨PREVOTE, h, round_p, *⟩ while step_p = prevote for the
    /// first time: schedule OnTimeoutPrevote.
    mutating func schedulePrevoteTimeoutOnAnyPolka(_ effects: inout [ConsensusEffect]) {
        guard step == .prevote, !prevoteTimeoutScheduled, let record = rounds.record(round),
              validators.hasTwoThirdsMajority(record.prevotes.totalPower) else { return }
        prevoteTimeoutScheduled = true
        let event = TimeoutEvent(kind: .prevote, height: height, round: round)
        effects.append(.scheduleTimeout(event, afterMillis: parameters.timeoutMillis(.prevote, round: round)))
    }

    /// Algorithm 1, lines 36-43: ⟨PROPOSAL, h, round_p, v, *⟩ from proposer(h, round_p) AND
    /// 2f+1 ⟨PREVOTE, h, round_p, id(v)⟩ while valid(v) ∧ step_p ≥ prevote for the first time.
    mutating func lockOnPolka(_ effects: inout [ConsensusEffect]) -> Bool {
        guard !lockRuleFired, let record = rounds.record(round), let proposal = record.proposal,
              let entry = blocks.entry(proposal.blockID), entry.isValid,
              validators.hasTwoThirdsMajority(record.prevotes.power(for: entry.id)) else { return false }
        lockRuleFired = true
        if step == .prevote {                                       // line 37
            assert(lockedRound.map { $0 <= round } ?? true, "lockedRound only grows")
            lockedValue = entry.block                               // line 38
            lockedBlockID = entry.id
            lockedRound = round                                     // line 39
            castVote(.precommit, entry.id, &effects)                // line 40
            step = .precommit                                       // line 41
        }
        assert(validRound.map { $0 <= round } ?? true, "validRound only grows")
        validValue = entry.block                                    // line 42
        validBlockID = entry.id
        validRound = round                                          // line 43
        return true
    }

    /// Not in Algorithm 1: 2f+1 ⟨PREVOTE, h, r, id(v)⟩ for a round validRound_p < r < round_p,
    /// with v held and valid: validValue_p = v, validRound_p = r (the highest such r).
    ///
    /// Line 36 updates validValue only for a polka of the current round. A validator that saw
    /// a polka and locked while the others had already timed out of that round (it was cut
    /// off, its prevote reached them late) then prevotes nil for every new value, and when its
    /// stake is needed for 2/3+, only its own proposer turn ends the height: with skewed stake
    /// that can be dozens of rounds away. Once the others hold that round's prevotes (gossip,
    /// or the locked validator's re-sends, `validPolka`), this rule lets the next correct
    /// proposer re-propose v with r as its POL round, which every correct validator accepts
    /// (line 29: lockedRound_p ≤ vr or lockedValue_p = v). It cannot hurt safety: receivers
    /// check a proposal's POL round and their locks whatever the proposer chose, and a
    /// byzantine proposer may already propose any value that has a polka.
    mutating func adoptEarlierPolka() -> Bool {
        for record in rounds.records.reversed() where record.round < round {
            if let validRound, record.round <= validRound { break }
            for tallied in record.prevotes.entries {
                guard let blockID = tallied.blockID, validators.hasTwoThirdsMajority(tallied.power),
                      let entry = blocks.entry(blockID), entry.isValid else { continue }
                validValue = entry.block
                validBlockID = entry.id
                validRound = record.round
                counters.earlierPolkasAdopted += 1
                return true
            }
        }
        return false
    }

    /// Algorithm 1, lines 44-46: 2f+1 ⟨PREVOTE, h, round_p, nil⟩ while step_p = prevote.
    mutating func precommitNilOnNilPolka(_ effects: inout [ConsensusEffect]) -> Bool {
        guard let record = rounds.record(round),
              validators.hasTwoThirdsMajority(record.prevotes.power(for: nil)) else { return false }
        castVote(.precommit, nil, &effects)                         // line 45
        step = .precommit                                           // line 46
        return true
    }

    /// Algorithm 1, lines 47-48: 2f+1 ⟨PRECOMMIT, h, round_p, *⟩ for the first time: schedule
    /// OnTimeoutPrecommit.
    mutating func schedulePrecommitTimeoutOnAnyCommit(_ effects: inout [ConsensusEffect]) {
        guard !precommitTimeoutScheduled, let record = rounds.record(round),
              validators.hasTwoThirdsMajority(record.precommits.totalPower) else { return }
        precommitTimeoutScheduled = true
        let event = TimeoutEvent(kind: .precommit, height: height, round: round)
        effects.append(.scheduleTimeout(event, afterMillis: parameters.timeoutMillis(.precommit, round: round)))
    }

    /// Algorithm 1, lines 49-54: ⟨PROPOSAL, h, r, v, *⟩ from proposer(h, r) AND
    /// 2f+1 ⟨PRECOMMIT, h, r, id(v)⟩ while decision_p[h] = nil: if valid(v), decide v.
    ///
    /// As in CometBFT, v may come from any proposal of this height or from a block fetched by
    /// id: the 2/3+ precommits for id(v) in round r already certify that proposer(h, r)
    /// proposed it (correct validators prevote and so precommit only what the round's proposer
    /// proposed), and the block is only needed for its contents. When no held block has the id,
    /// the core asks the shell to fetch it.
    mutating func decideIfCommitted(_ effects: inout [ConsensusEffect]) -> Bool {
        for position in rounds.records.indices {
            let record = rounds[position]
            for entry in record.precommits.entries {
                guard let blockID = entry.blockID, validators.hasTwoThirdsMajority(entry.power) else { continue }
                guard let held = blocks.entry(blockID) else {
                    requestBlockOnce(blockID, &effects)
                    continue
                }
                guard held.isValid else { continue }                // line 50
                decide(held, round: record.round, precommits: record.precommits, &effects)
                return true
            }
        }
        return false
    }

    /// Algorithm 1, lines 55-56: f+1 ⟨*, h, round, *, *⟩ with round > round_p: StartRound(round).
    /// Senders are counted once each across proposal, prevotes and precommits of that round.
    mutating func skipToHigherRound(_ effects: inout [ConsensusEffect]) -> Bool {
        var target: Round?
        for record in rounds.records.reversed() where record.round > round {
            if validators.hasOneThirdPlus(record.senderPower) {
                target = record.round
                break
            }
        }
        guard let target else { return false }
        startRound(target, &effects)
        return true
    }

    // MARK: - Timeouts (lines 57-67)

    /// Algorithm 1, lines 57-60: OnTimeoutPropose. Height and round were checked by the caller.
    mutating func onTimeoutPropose(_ effects: inout [ConsensusEffect]) {
        guard step == .propose else {
            counters.timeoutsStale += 1
            return
        }
        castVote(.prevote, nil, &effects)                           // line 59
        step = .prevote                                             // line 60
    }

    /// Algorithm 1, lines 61-64: OnTimeoutPrevote.
    mutating func onTimeoutPrevote(_ effects: inout [ConsensusEffect]) {
        guard step == .prevote else {
            counters.timeoutsStale += 1
            return
        }
        castVote(.precommit, nil, &effects)                         // line 63
        step = .precommit                                           // line 64
    }

    /// Algorithm 1, lines 65-67: OnTimeoutPrecommit.
    mutating func onTimeoutPrecommit(_ effects: inout [ConsensusEffect]) {
        guard round < Round.max else { return }
        startRound(round + 1, &effects)                             // line 67
    }

    // MARK: - Acting

    /// Broadcasts ⟨type, h, round_p, blockID⟩ by asking the shell to sign it. An observer
    /// changes step like a validator but signs nothing.
    mutating func castVote(_ type: VoteType, _ blockID: BlockID?, _ effects: inout [ConsensusEffect]) {
        guard let myIndex, let me else { return }
        if let earlier = ownVotes.first(where: { $0.round == round && $0.type == type }) {
            // The step guards make every vote rule fire at most once per round and type, so for
            // a vote this core cast, a second request is a bug and a different one a double
            // sign. A vote it adopted (signed before a crash) stands: sign nothing new.
            precondition(earlier.adopted || earlier.blockID == blockID,
                         "would sign two different \(type)s at height \(height) round \(round)")
            if earlier.blockID != blockID { counters.votesWithheldForOwnSignature += 1 }
            return
        }
        ownVotes.append(OwnVote(round: round, type: type, blockID: blockID, adopted: false))
        let vote = Vote(type: type, height: height, round: round, blockID: blockID,
                        validatorAddress: me, validatorIndex: UInt32(myIndex))
        effects.append(.signVote(vote))
    }

    /// A vote signed with this validator's key that this core did not cast (the WAL of a
    /// restarted node holds its own earlier votes): remember it, so the core never signs a
    /// different value for that round and type.
    mutating func adoptOwnVote(_ vote: Vote) {
        guard !ownVotes.contains(where: { $0.round == vote.round && $0.type == vote.type }) else { return }
        ownVotes.append(OwnVote(round: vote.round, type: vote.type, blockID: vote.blockID, adopted: true))
    }

    mutating func requestBlockOnce(_ blockID: BlockID, _ effects: inout [ConsensusEffect]) {
        guard !requestedBlocks.contains(blockID),
              requestedBlocks.count < ConsensusLimits.blockRequestsPerHeightMax else { return }
        requestedBlocks.append(blockID)
        effects.append(.requestBlock(blockID, height: height))
    }

    /// Algorithm 1, line 51: decision_p[h_p] = v, with the precommits as the block's commit.
    mutating func decide(_ entry: BlockPool.Entry, round decided: Round, precommits: VoteTally,
                         _ effects: inout [ConsensusEffect]) {
        precondition(decidedRound == nil && phase == .running, "decided twice at height \(height)")
        assert(validators.hasTwoThirdsMajority(precommits.power(for: entry.id)))
        // Each validator's precommit for the block, else its precommit for nil, else absent (a
        // precommit for another block does not belong in this commit).
        let signatures: [CommitSig] = precommits.votes.indices.map { index in
            if let vote = precommits.vote(of: index, for: entry.id) { return .commit(vote.signature) }
            if let vote = precommits.vote(of: index, for: nil) { return .nil(vote.signature) }
            return .absent
        }
        let commit = Commit(height: height, round: decided, blockID: entry.id, signatures: signatures)
        decidedRound = decided
        phase = .decided
        effects.append(.decide(entry.block, commit))
    }
}
