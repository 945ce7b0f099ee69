import RatifyCore

/// One validator's (or a non-validating observer's) Tendermint consensus core: Algorithm 1 of
/// Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (2018), as a value type.
///
/// `handle(_:)` takes one input and returns the effects the shell must carry out. There is no
/// clock, I/O, thread or randomness in here: time enters as `.timeout` inputs, signatures are
/// checked before inputs are built, and signing, broadcasting and storage are effects. The
/// node and the simulator drive this same code. docs/CONSENSUS.md states the contract and maps
/// every rule to its line of the paper; the rules themselves are in `Consensus+Rules.swift`.
///
/// Quorums are voting power, never counts: "2f + 1" is more than 2/3 of the height's total
/// voting power (`ValidatorSet.hasTwoThirdsMajority`) and "f + 1" more than 1/3
/// (`ValidatorSet.hasOneThirdPlus`).
public struct Consensus: Sendable {
    /// Where the core is within a height.
    public enum Phase: Hashable, Sendable {
        /// Built, waiting for `.start`; messages are recorded but no rule fires.
        case waitingToStart
        /// Running rounds (Algorithm 1, lines 11-67).
        case running
        /// Decided (line 51); waiting for the shell to store and apply the block.
        case decided
        /// Block applied; waiting out the commit wait before the next height.
        case committing
    }

    public let parameters: ConsensusParameters
    /// This validator's address; nil (or an address outside the set) makes an observer that
    /// follows and decides but never signs.
    public let me: Address?

    /// Algorithm 1's h_p, round_p and step_p.
    public internal(set) var height: Height
    public internal(set) var round: Round = 0
    public internal(set) var step: ConsensusStep = .propose
    public internal(set) var phase: Phase = .waitingToStart

    /// The validator sets of `height` and `height + 1`.
    public internal(set) var validators: ValidatorSet
    public internal(set) var nextValidators: ValidatorSet

    /// Algorithm 1's lockedValue_p/lockedRound_p and validValue_p/validRound_p; nil is -1.
    public internal(set) var lockedValue: Block?
    public internal(set) var lockedRound: Round?
    public internal(set) var validValue: Block?
    public internal(set) var validRound: Round?
    var lockedBlockID: BlockID?
    var validBlockID: BlockID?

    /// The round of this height's decision, once made.
    public internal(set) var decidedRound: Round?

    public internal(set) var counters = ConsensusCounters()

    // Per height.
    var myIndex: Int?
    var powers: [Int64]
    var addresses: [Address]
    var proposers: ProposerSchedule
    var rounds: RoundBook
    var blocks = BlockPool()
    /// Votes this core asked to sign at this height: (round, type, value).
    var ownVotes: [OwnVote] = []
    /// Rounds of this height in which a proposal signed with this validator's key exists.
    var ownProposalRounds: [Round] = []
    /// The round whose `getValue()` answer is awaited.
    var pendingProposalRound: Round?
    var requestedBlocks: [BlockID] = []
    var evidenceReports = 0
    var validatorsForHeightPlus2: ValidatorSet?
    /// Votes for `height + 1`, replayed when the core gets there.
    var futureHeightVotes: [Vote] = []

    // Per round: the "for the first time" guards of lines 34, 36 and 47.
    var prevoteTimeoutScheduled = false
    var precommitTimeoutScheduled = false
    var lockRuleFired = false

    /// A core for `height`, whose validator set is `validators` and whose next height's set is
    /// `nextValidators`. Feed `.start` to begin round 0; a restarted node feeds `.start` and
    /// then replays the height's WAL.
    public init(parameters: ConsensusParameters, me: Address?, height: Height,
                validators: ValidatorSet, nextValidators: ValidatorSet) {
        self.parameters = parameters
        self.me = me
        self.height = height
        self.validators = validators
        self.nextValidators = nextValidators
        let members = validators.validators
        powers = members.map(\.votingPower)
        addresses = members.map(\.address)
        myIndex = me.flatMap { validators.index(of: $0) }
        proposers = ProposerSchedule(validators: validators)
        rounds = RoundBook(validatorCount: members.count)
    }

    /// True when this core signs at the current height.
    public var isValidator: Bool { myIndex != nil }

    /// The proposer of `round` at the current height.
    public mutating func proposer(round: Round) -> Address? {
        let index = proposers.proposerIndex(round: round)
        return addresses.indices.contains(index) ? addresses[index] : nil
    }

    /// Handles one input and returns what the shell must do, in order.
    public mutating func handle(_ input: ConsensusInput) -> [ConsensusEffect] {
        var effects: [ConsensusEffect] = []
        switch input {
        case .start:
            guard phase == .waitingToStart else {
                counters.inputsOutOfPhase += 1
                return effects
            }
            phase = .running
            startRound(0, &effects) // Algorithm 1, line 10.
            countBufferedVotes(&effects)
        case .proposal(let verified, let block, let blockIsValid):
            receiveProposal(verified.proposal, block: block, blockIsValid: blockIsValid)
        case .block(let block, let blockIsValid):
            receiveBlock(block, blockIsValid: blockIsValid)
        case .vote(let verified):
            receiveVote(verified.vote, &effects)
        case .timeout(let event):
            receiveTimeout(event, &effects)
        case .proposalBlock(let block, let height, let round):
            receiveProposalBlock(block, height: height, round: round, &effects)
        case .heightApplied(let height, let validatorsForHeightPlus2):
            receiveHeightApplied(height, validatorsForHeightPlus2: validatorsForHeightPlus2, &effects)
        }
        evaluateRules(&effects)
        return effects
    }

    // MARK: - Receiving

    private mutating func receiveVote(_ vote: Vote, _ effects: inout [ConsensusEffect]) {
        if vote.height != height {
            if vote.height == height + 1 {
                // Verified by the shell against the set of height + 1; counted once we get there.
                if futureHeightVotes.count < ConsensusLimits.futureHeightVotesMax {
                    futureHeightVotes.append(vote)
                    counters.futureHeightVotesBuffered += 1
                } else {
                    counters.futureHeightVotesDropped += 1
                }
            } else if vote.height > height {
                counters.futureHeightVotesDropped += 1
            } else {
                counters.votesStale += 1
            }
            return
        }
        guard phase == .running || phase == .waitingToStart else {
            counters.votesStale += 1
            return
        }
        let index = Int(vote.validatorIndex)
        guard addresses.indices.contains(index), addresses[index] == vote.validatorAddress else {
            counters.votesUnknownValidator += 1
            return
        }
        guard let position = rounds.positionCreating(vote.round, current: round, by: index) else {
            counters.votesRoundDropped += 1
            return
        }
        let power = powers[index]
        let addition: VoteTally.Addition
        switch vote.type {
        case .prevote: addition = rounds[position].prevotes.add(vote, index: index, power: power)
        case .precommit: addition = rounds[position].precommits.add(vote, index: index, power: power)
        }
        if index == myIndex { adoptOwnVote(vote) }
        switch addition {
        case .added:
            counters.votesAccepted += 1
            rounds[position].markSender(index, power: power)
        case .duplicate:
            counters.votesDuplicate += 1
        case .conflict(let first, let counted):
            // One validator, one height, round and type, two values: report it once. The
            // second value counts for itself but not again towards "any" (see `VoteTally`).
            counters.votesConflicting += 1
            if counted { rounds[position].markSender(index, power: power) }
            let fresh: Bool = switch vote.type {
            case .prevote: rounds[position].prevotes.markConflictReported(index)
            case .precommit: rounds[position].precommits.markConflictReported(index)
            }
            guard fresh else { return }
            guard evidenceReports < ConsensusLimits.evidenceReportsPerHeightMax else {
                counters.evidenceDropped += 1
                return
            }
            if let evidence = try? DuplicateVoteEvidence(first, vote) {
                evidenceReports += 1
                effects.append(.evidence(evidence))
            }
        }
    }

    private mutating func receiveProposal(_ proposal: Proposal, block: Block, blockIsValid: Bool) {
        guard proposal.height == height, phase == .running || phase == .waitingToStart else {
            counters.proposalsIgnored += 1
            return
        }
        // Algorithm 1 only has rules for vr = -1 and 0 <= vr < round (lines 22, 28).
        if let polRound = proposal.polRound, polRound >= proposal.round {
            counters.proposalsIgnored += 1
            return
        }
        // A gossip duplicate of a proposal already held costs one comparison, not a block hash.
        if let position = rounds.position(of: proposal.round), let existing = rounds[position].proposal, existing == proposal {
            counters.proposalsIgnored += 1
            return
        }
        guard proposal.round <= round || proposal.round - round <= ConsensusLimits.roundsAheadMax,
              let index = addresses.firstIndex(of: proposal.proposerAddress),
              proposers.proposerIndex(round: proposal.round) == index else {
            counters.proposalsIgnored += 1
            return
        }
        let blockID = block.id
        guard blockID == proposal.blockID,
              let position = rounds.positionCreating(proposal.round, current: round, by: index) else {
            counters.proposalsIgnored += 1
            return
        }
        if let existing = rounds[position].proposal {
            if existing != proposal { counters.proposalsConflicting += 1 } else { counters.proposalsIgnored += 1 }
            return
        }
        guard blocks.insert(id: blockID, block: block, isValid: blockIsValid && block.height == height) else {
            counters.blocksIgnored += 1
            counters.proposalsIgnored += 1
            return
        }
        rounds[position].proposal = proposal
        rounds[position].markSender(index, power: powers[index])
        if index == myIndex {
            // A proposal with this validator's key is one it signed (before a crash, or now):
            // never answer getValue() for that round with a second one.
            if !ownProposalRounds.contains(proposal.round) { ownProposalRounds.append(proposal.round) }
            if pendingProposalRound == proposal.round { pendingProposalRound = nil }
        }
    }

    private mutating func receiveBlock(_ block: Block, blockIsValid: Bool) {
        guard block.height == height, phase == .running else {
            counters.blocksIgnored += 1
            return
        }
        let blockID = block.id
        guard requestedBlocks.contains(blockID),
              blocks.insert(id: blockID, block: block, isValid: blockIsValid) else {
            counters.blocksIgnored += 1
            return
        }
    }

    private mutating func receiveTimeout(_ event: TimeoutEvent, _ effects: inout [ConsensusEffect]) {
        if event.kind == .resend {
            onResend(event, &effects)
            return
        }
        if event.kind == .commit {
            guard phase == .committing, event.height == height else {
                counters.timeoutsStale += 1
                return
            }
            advanceHeight(&effects)
            return
        }
        guard phase == .running, event.height == height, event.round == round else {
            counters.timeoutsStale += 1
            return
        }
        switch event.kind {
        case .propose:
            onTimeoutPropose(&effects)
        case .prevote:
            onTimeoutPrevote(&effects)
        case .precommit:
            onTimeoutPrecommit(&effects)
        case .commit, .resend:
            break
        }
    }

    /// The round lasted another resend interval: re-send this validator's latest votes (and
    /// the polka of its valid value from an earlier round, `validPolka`) and keep the timer
    /// going until the round ends. A stale timer (another height or round, or the height
    /// decided) ends its chain; the next round started one of its own.
    private mutating func onResend(_ event: TimeoutEvent, _ effects: inout [ConsensusEffect]) {
        guard phase == .running, event.height == height, event.round == round else {
            counters.timeoutsStale += 1
            return
        }
        var votes = latestOwnVotes()
        for vote in validPolka() where !votes.contains(vote) { votes.append(vote) }
        if !votes.isEmpty {
            counters.votesResent += UInt64(votes.count)
            effects.append(.resendVotes(votes))
        }
        effects.append(.scheduleTimeout(event, afterMillis: parameters.resendIntervalMillis))
    }

    /// The validators whose `type` vote for `round` of the current height this core has not
    /// counted, in the set's order: what a stalled round waits for (all of them for a round
    /// not seen).
    public func missingVoters(round: Round, type: VoteType) -> [Address] {
        guard let votes = rounds.record(round)?.tally(type).votes else { return addresses }
        return addresses.indices.filter { !votes.indices.contains($0) || votes[$0] == nil }.map { addresses[$0] }
    }

    /// The signed votes of this validator that the core holds for the current round and the
    /// one before, prevotes first: what peers still in either round may lack. Empty for an
    /// observer.
    public func latestOwnVotes() -> [Vote] {
        guard let myIndex else { return [] }
        var votes: [Vote] = []
        for record in rounds.records where record.round == round || (round > 0 && record.round == round - 1) {
            if let prevote = record.prevotes.votes[myIndex] { votes.append(prevote) }
            if let precommit = record.precommits.votes[myIndex] { votes.append(precommit) }
        }
        return votes
    }

    /// The prevotes for validValue_p in validRound_p, when that round is over: the polka that
    /// lets a later proposer re-propose the value (`adoptEarlierPolka`). Peers that timed out
    /// of that round before these prevotes reached them may never get them from gossip, which
    /// serves a peer the votes of its own round; a stalled round re-sends them with this
    /// validator's own votes. Empty when there is no valid value or it is of this round.
    public func validPolka() -> [Vote] {
        guard let validRound, validRound < round, let validBlockID,
              let record = rounds.record(validRound) else { return [] }
        return record.prevotes.votes.indices.compactMap { record.prevotes.vote(of: $0, for: validBlockID) }
    }

    /// The POL round of the current round's proposal while this core cannot confirm it: the
    /// proposal cites round vr (Algorithm 1, line 28) and the core holds less than 2/3+ of
    /// vr's prevotes for its block. Peers that saw vr's polka hold those prevotes; a node that
    /// missed them (crashed while they arrived, partitioned) asks for them by announcing this
    /// round, as CometBFT's peer state carries `ProposalPOLRound`. Without them it prevotes nil
    /// in every round whose proposal re-proposes the locked value, and if its stake is needed
    /// for a polka, no round ever decides. Nil when nothing is lacking, and for a core not
    /// running rounds.
    public var polRoundLacking: Round? {
        guard phase == .running, let proposal = rounds.record(round)?.proposal,
              let polRound = proposal.polRound, polRound < round else { return nil }
        let power = rounds.record(polRound)?.prevotes.power(for: proposal.blockID) ?? 0
        return validators.hasTwoThirdsMajority(power) ? nil : polRound
    }

    /// The prevotes this core holds for `round` of the current height, in validator order:
    /// what a peer that lacks that round's polka asks for (`polRoundLacking`).
    public func prevotes(round: Round) -> [Vote] {
        guard let record = rounds.record(round) else { return [] }
        return record.prevotes.votes.compactMap { $0 }
    }

    /// Block sync replaced `previous` by this core, built for the height right after it: the
    /// votes `previous` buffered for this height are counted right after StartRound(0), as
    /// they would have been had `previous` got here itself (lines 52-54), and as a restart
    /// replays them from the head of this height's WAL. Call before `.start`. Without this,
    /// a validator's vote that reached a node one height behind is lost to that node for good:
    /// the signer sent it once, and the node's gossip already counts it as received.
    public mutating func inheritBufferedVotes(from previous: Consensus) {
        guard phase == .waitingToStart, previous.height + 1 == height, previous.nextValidators == validators else { return }
        for vote in previous.futureHeightVotes where vote.height == height {
            guard futureHeightVotes.count < ConsensusLimits.futureHeightVotesMax else {
                counters.futureHeightVotesDropped += 1
                continue
            }
            futureHeightVotes.append(vote)
        }
    }

    private mutating func receiveProposalBlock(_ block: Block, height: Height, round: Round,
                                               _ effects: inout [ConsensusEffect]) {
        guard phase == .running, height == self.height, round == self.round, step == .propose,
              pendingProposalRound == round, !ownProposalRounds.contains(round),
              block.height == height, let me else {
            counters.inputsOutOfPhase += 1
            return
        }
        // Algorithm 1, line 19 with proposal = getValue() (line 18) and validRound_p = -1.
        pendingProposalRound = nil
        ownProposalRounds.append(round)
        let proposal = Proposal(height: height, round: round, polRound: nil, blockID: block.id, proposerAddress: me)
        effects.append(.signProposal(proposal, block: block))
    }

    private mutating func receiveHeightApplied(_ height: Height, validatorsForHeightPlus2: ValidatorSet,
                                               _ effects: inout [ConsensusEffect]) {
        guard phase == .decided, height == self.height else {
            counters.inputsOutOfPhase += 1
            return
        }
        self.validatorsForHeightPlus2 = validatorsForHeightPlus2
        // A zero wait is still a timeout: its shell may hold the next height back (the node does
        // on an empty mempool, until a transaction or its heartbeat).
        phase = .committing
        let event = TimeoutEvent(kind: .commit, height: height, round: decidedRound ?? round)
        effects.append(.scheduleTimeout(event, afterMillis: parameters.commitWaitMillis))
    }

    // MARK: - Heights

    /// Algorithm 1, lines 52-54: next height, reset locks, valid values and the message log,
    /// StartRound(0). Votes buffered for the new height are counted now.
    private mutating func advanceHeight(_ effects: inout [ConsensusEffect]) {
        guard let upcoming = validatorsForHeightPlus2 else {
            assertionFailure("advanceHeight before heightApplied")
            return
        }
        height += 1
        validators = nextValidators
        nextValidators = upcoming
        validatorsForHeightPlus2 = nil
        let members = validators.validators
        powers = members.map(\.votingPower)
        addresses = members.map(\.address)
        myIndex = me.flatMap { validators.index(of: $0) }
        proposers = ProposerSchedule(validators: validators)
        rounds = RoundBook(validatorCount: members.count)
        blocks = BlockPool()
        ownVotes = []
        ownProposalRounds = []
        pendingProposalRound = nil
        requestedBlocks = []
        evidenceReports = 0
        lockedValue = nil
        lockedBlockID = nil
        lockedRound = nil
        validValue = nil
        validBlockID = nil
        validRound = nil
        decidedRound = nil
        round = 0
        phase = .running
        startRound(0, &effects)
        countBufferedVotes(&effects)
    }

    /// Counts the buffered votes for the current height, right after StartRound(0); votes for
    /// the height after it stay buffered.
    private mutating func countBufferedVotes(_ effects: inout [ConsensusEffect]) {
        guard futureHeightVotes.contains(where: { $0.height == height }) else { return }
        let due = futureHeightVotes.filter { $0.height == height }
        futureHeightVotes.removeAll { $0.height == height }
        for vote in due {
            receiveVote(vote, &effects)
        }
    }
}
