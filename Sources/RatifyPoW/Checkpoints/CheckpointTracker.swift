import RatifyCore

/// Casper FFG checkpoint finality for a hybrid chain, as one node sees it: a value type with
/// no I/O that counts verified checkpoint votes by stake and keeps the justified and finalized
/// checkpoints ("Casper the Friendly Finality Gadget", Buterin and Griffith 2017; EIP-1011).
///
/// - A checkpoint is the block at height `epoch × epochLengthBlocks` of a branch; the genesis
///   block is checkpoint 0, justified and finalized from the start.
/// - A **supermajority link** `s → t` is a set of votes with that source and target from
///   validators holding more than 2/3 of the stake (never a count) of both the target epoch's
///   validator set and the set of the epoch before it: EIP-1011's current and previous
///   dynasties, so that a change of validators cannot let two disjoint 2/3 sets finalize
///   conflicting checkpoints without 1/3 of one of them being slashable.
/// - `t` is **justified** when such a link comes from a justified `s` (paper, definition 2.1).
/// - `s` is **finalized** when it is justified and its direct child checkpoint,
///   `t.epoch == s.epoch + 1`, is justified by a link from it (the k = 1 rule of the paper).
/// - A vote that forms a double vote or a surround vote with one the tracker holds is not
///   counted; the outcome carries the evidence for the ledger, in whichever order they came.
///
/// Bounds: one counted vote per validator and target epoch, at most `votesPerEpochMax` per
/// epoch and `epochsHeldMax` epochs. Votes whose target is below the latest finalized epoch
/// are pruned and votes whose source is below it are refused; neither can then conflict with
/// a pruned vote, so detection misses nothing. Only the epoch cap, hit when no checkpoint is
/// finalized for `epochsHeldMax` epochs, drops unfinalized epochs (the oldest first).
public struct CheckpointTracker: Sendable {
    public struct Limits: Sendable, Equatable {
        public var votesPerEpochMax: Int
        public var epochsHeldMax: Int

        public init(votesPerEpochMax: Int = CodecLimits.validatorsMax, epochsHeldMax: Int = 4_096) {
            precondition(votesPerEpochMax > 0 && epochsHeldMax > 0)
            self.votesPerEpochMax = votesPerEpochMax
            self.epochsHeldMax = epochsHeldMax
        }
    }

    /// A source and a target: what a vote's stake counts for.
    struct Link: Hashable, Sendable {
        var source: Checkpoint
        var target: Checkpoint
    }

    /// A link's stake in the target epoch's set (current dynasty) and in the set before it.
    struct LinkStake: Sendable {
        var current: Int64 = 0
        var previous: Int64 = 0
    }

    public let epochLengthBlocks: UInt64
    public let limits: Limits
    public private(set) var latestJustified: Checkpoint
    public private(set) var latestFinalized: Checkpoint

    /// Validator sets by the first epoch they weigh votes for, ascending.
    private var validatorSets: [(fromEpoch: UInt64, set: ValidatorSet)]
    private var justified: Set<Checkpoint>
    private var finalized: Set<Checkpoint>
    /// Counted votes per validator, one per target epoch.
    private var votesByValidator: [Address: [CheckpointVote]] = [:]
    private var voteCountByEpoch: [UInt64: Int] = [:]
    private var linkStake: [Link: LinkStake] = [:]
    /// Targets of links that have their supermajority but wait for their source's justification.
    private var quorumTargetsBySource: [Checkpoint: [Checkpoint]] = [:]

    /// A tracker at genesis. `validators` weighs votes from epoch 1 on, until `setValidators`.
    public init(genesisHash: Hash, epochLengthBlocks: UInt64, validators: ValidatorSet, limits: Limits = Limits()) {
        precondition(epochLengthBlocks > 0, "epochs are at least one block long")
        let genesis = Checkpoint(epoch: 0, blockHash: genesisHash)
        self.epochLengthBlocks = epochLengthBlocks
        self.limits = limits
        latestJustified = genesis
        latestFinalized = genesis
        justified = [genesis]
        finalized = [genesis]
        validatorSets = [(0, validators)]
    }

    // MARK: Validator sets

    /// Votes whose target epoch is `fromEpoch` or later are weighed by `validators` (the staking
    /// ledger's set at that epoch's boundary). Epochs must not go backwards.
    public mutating func setValidators(_ validators: ValidatorSet, fromEpoch: UInt64) {
        let last = validatorSets[validatorSets.count - 1]
        precondition(fromEpoch >= last.fromEpoch, "validator sets are given in epoch order")
        if last.set == validators { return }
        if fromEpoch == last.fromEpoch {
            validatorSets[validatorSets.count - 1] = (fromEpoch, validators)
        } else {
            validatorSets.append((fromEpoch, validators))
        }
        if validatorSets.count > limits.epochsHeldMax { validatorSets.removeFirst() }
    }

    /// The set that weighs votes whose target is `epoch` (with the set of `epoch - 1`).
    public func validators(forEpoch epoch: UInt64) -> ValidatorSet {
        validatorSets.last { $0.fromEpoch <= epoch }?.set ?? validatorSets[0].set
    }

    // MARK: Reading

    /// True for the justified checkpoints from the latest finalized epoch on.
    public func isJustified(_ checkpoint: Checkpoint) -> Bool { justified.contains(checkpoint) }

    /// True for the latest finalized checkpoint and those finalized since it became the floor.
    public func isFinalized(_ checkpoint: Checkpoint) -> Bool { finalized.contains(checkpoint) }

    /// Stake counted for the link `source → target` in the target epoch's validator set.
    public func stake(source: Checkpoint, target: Checkpoint) -> Int64 {
        linkStake[Link(source: source, target: target)]?.current ?? 0
    }

    /// Stake counted for the link `source → target` in the set of the epoch before the target.
    public func previousSetStake(source: Checkpoint, target: Checkpoint) -> Int64 {
        linkStake[Link(source: source, target: target)]?.previous ?? 0
    }

    /// Votes held, over all epochs.
    public var voteCount: Int { voteCountByEpoch.values.reduce(0, +) }
    public var epochsHeld: Int { voteCountByEpoch.count }

    // MARK: Votes

    /// Counts one verified vote. `ancestry` answers where its checkpoints are in the block tree:
    /// the target must be its epoch's boundary block and the source its ancestor. Only such
    /// votes are held; one that conflicts with a held vote is evidence whatever its link.
    public mutating func add(_ verified: VerifiedCheckpointVote, ancestry: some CheckpointAncestry) -> CheckpointVoteOutcome {
        let vote = verified.vote
        guard vote.isWellFormed else {
            return CheckpointVoteOutcome(.rejected(.sourceNotBeforeTarget(source: vote.source.epoch, target: vote.target.epoch)))
        }
        // Well formed, so the target epoch is at least 1.
        let current = validators(forEpoch: vote.target.epoch), previous = validators(forEpoch: vote.target.epoch - 1)
        let currentPower = current.validator(at: vote.validatorAddress)?.votingPower
        let previousPower = previous.validator(at: vote.validatorAddress)?.votingPower
        guard currentPower != nil || previousPower != nil else {
            return CheckpointVoteOutcome(.rejected(.notAValidator(vote.validatorAddress)))
        }

        // Slashing conditions come first: a conflicting vote is evidence even if its blocks are
        // unknown or its link is invalid, since the validator signed it all the same.
        for held in votesByValidator[vote.validatorAddress] ?? [] {
            if held.source == vote.source && held.target == vote.target { return CheckpointVoteOutcome(.duplicate) }
            if let evidence = try? FFGSlashingEvidence(held, vote) { return CheckpointVoteOutcome(.conflicting(evidence)) }
        }
        // After the slashing check: a surround vote reaching back below the finalized checkpoint
        // is still evidence against a vote held here, though it counts for nothing.
        guard vote.source.epoch >= latestFinalized.epoch else {
            return CheckpointVoteOutcome(.rejected(.sourceBelowFinalized(source: vote.source.epoch, finalized: latestFinalized.epoch)))
        }

        if let problem = linkProblem(vote, ancestry: ancestry) { return CheckpointVoteOutcome(problem) }
        let heldInEpoch = voteCountByEpoch[vote.target.epoch] ?? 0
        guard heldInEpoch < limits.votesPerEpochMax else {
            return CheckpointVoteOutcome(.rejected(.epochFull(epoch: vote.target.epoch, votesMax: limits.votesPerEpochMax)))
        }
        if heldInEpoch == 0 && voteCountByEpoch.count >= limits.epochsHeldMax { dropOldestEpoch() }

        votesByValidator[vote.validatorAddress, default: []].append(vote)
        voteCountByEpoch[vote.target.epoch] = heldInEpoch + 1
        let link = Link(source: vote.source, target: vote.target)
        // A set's powers sum to at most Int64.max / 8 (ValidatorSet), and a validator counts once per link.
        var stake = linkStake[link] ?? LinkStake()
        let hadSupermajority = current.hasTwoThirdsMajority(stake.current) && previous.hasTwoThirdsMajority(stake.previous)
        stake.current += currentPower ?? 0
        stake.previous += previousPower ?? 0
        linkStake[link] = stake

        var outcome = CheckpointVoteOutcome(.counted)
        if current.hasTwoThirdsMajority(stake.current) && previous.hasTwoThirdsMajority(stake.previous) {
            outcome.linkReachedSupermajority = !hadSupermajority
            supermajority(link, outcome: &outcome)
        }
        return outcome
    }

    /// Why the vote's link is not on the block tree, or nil when it is.
    private func linkProblem(_ vote: CheckpointVote, ancestry: some CheckpointAncestry) -> CheckpointVoteOutcome.Status? {
        guard let targetHeight = Checkpoint.height(ofEpoch: vote.target.epoch, epochLengthBlocks: epochLengthBlocks),
              let sourceHeight = Checkpoint.height(ofEpoch: vote.source.epoch, epochLengthBlocks: epochLengthBlocks) else {
            return .rejected(.targetNotAtItsEpoch(vote.target))
        }
        guard let height = ancestry.height(of: vote.target.blockHash) else { return .awaitingBlocks }
        guard height == targetHeight else { return .rejected(.targetNotAtItsEpoch(vote.target)) }
        guard ancestry.ancestorHash(of: vote.target.blockHash, atHeight: sourceHeight) == vote.source.blockHash else {
            return .rejected(.sourceNotAncestorOfTarget(source: vote.source, target: vote.target))
        }
        return nil
    }

    // MARK: Justification and finalization

    /// A link has more than 2/3 of the stake (again, when later votes add to it: then nothing changes).
    private mutating func supermajority(_ link: Link, outcome: inout CheckpointVoteOutcome) {
        guard isJustified(link.source) else {
            if !(quorumTargetsBySource[link.source]?.contains(link.target) ?? false) {
                quorumTargetsBySource[link.source, default: []].append(link.target)
            }
            return
        }
        // Justifying a checkpoint may complete links from it that already had their stake.
        var work = [link]
        while let next = work.popLast() {
            if !isJustified(next.target) {
                justified.insert(next.target)
                outcome.justified.append(next.target)
                if next.target.epoch > latestJustified.epoch { latestJustified = next.target }
                for waiting in quorumTargetsBySource.removeValue(forKey: next.target) ?? [] {
                    work.append(Link(source: next.target, target: waiting))
                }
            }
            if next.target.epoch == next.source.epoch + 1 && !finalized.contains(next.source) {
                finalized.insert(next.source)
                outcome.finalized.append(next.source)
                if next.source.epoch > latestFinalized.epoch {
                    latestFinalized = next.source
                    prune(below: latestFinalized.epoch)
                }
            }
        }
    }

    /// Forgets votes whose target is below `epoch`, and justification state no vote can use
    /// any more (votes with a source below `epoch` are refused).
    private mutating func prune(below epoch: UInt64) {
        for (address, votes) in votesByValidator {
            let kept = votes.filter { $0.target.epoch >= epoch }
            votesByValidator[address] = kept.isEmpty ? nil : kept
        }
        voteCountByEpoch = voteCountByEpoch.filter { $0.key >= epoch }
        linkStake = linkStake.filter { $0.key.target.epoch >= epoch && $0.key.source.epoch >= epoch }
        quorumTargetsBySource = quorumTargetsBySource.filter { $0.key.epoch >= epoch }
        justified = justified.filter { $0.epoch >= epoch }
        finalized = finalized.filter { $0.epoch >= epoch }
        if let keepFrom = validatorSets.lastIndex(where: { $0.fromEpoch <= epoch }), keepFrom > 0 {
            validatorSets.removeFirst(keepFrom)
        }
    }

    /// The epoch cap is hit: the oldest held epoch's votes and links go. A vote that conflicts
    /// with a dropped one is no longer detected here (other nodes may still hold it).
    private mutating func dropOldestEpoch() {
        guard let oldest = voteCountByEpoch.keys.min() else { return }
        voteCountByEpoch[oldest] = nil
        for (address, votes) in votesByValidator {
            let kept = votes.filter { $0.target.epoch != oldest }
            votesByValidator[address] = kept.isEmpty ? nil : kept
        }
        linkStake = linkStake.filter { $0.key.target.epoch != oldest }
        quorumTargetsBySource = quorumTargetsBySource.compactMapValues { targets in
            let kept = targets.filter { $0.epoch != oldest }
            return kept.isEmpty ? nil : kept
        }
    }

    // MARK: Fork choice

    /// The tip a hybrid node follows (`CheckpointForkChoice.bestTip`) under this tracker's
    /// latest justified and finalized checkpoints.
    public func bestTip(among tips: [ForkChoiceTip], ancestry: some CheckpointAncestry) -> ForkChoiceTip? {
        CheckpointForkChoice.bestTip(among: tips, latestJustified: latestJustified, latestFinalized: latestFinalized,
                                     epochLengthBlocks: epochLengthBlocks, ancestry: ancestry)
    }
}
