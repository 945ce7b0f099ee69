import RatifyCore

/// What the core asks its shell to do. The shell performs them in order; for signing it
/// persists the signer state first, then signs, writes the signed message to the WAL,
/// broadcasts it, and feeds it back as an input (persist, sign, broadcast: docs/CONSENSUS.md, "Effects").
public enum ConsensusEffect: Hashable, Sendable {
    /// Algorithm 1, line 18 (`getValue()`): build a block for this height and round and answer
    /// with `ConsensusInput.proposalBlock`.
    case requestProposalBlock(height: Height, round: Round)

    /// Algorithm 1, line 19: sign and broadcast this proposal (unsigned here) with its block.
    case signProposal(Proposal, block: Block)

    /// Algorithm 1, lines 24, 26, 30, 32, 40, 45, 59, 63: sign and broadcast this vote
    /// (unsigned here).
    case signVote(Vote)

    /// Algorithm 1, lines 21, 35, 48 (and the commit wait): feed `.timeout(event)` back after
    /// `afterMillis` milliseconds.
    case scheduleTimeout(TimeoutEvent, afterMillis: UInt64)

    /// Algorithm 1, line 51: the height is decided. `commit` holds the 2/3+ precommits for the
    /// block in validator-set order. Store block, commit and resulting ledger state in one
    /// transaction, then answer with `ConsensusInput.heightApplied`.
    case decide(Block, Commit)

    /// Two different signed votes from one validator for one height, round and type.
    case evidence(DuplicateVoteEvidence)

    /// 2/3+ precommits name a block this node has not received: fetch it from a peer and
    /// answer with `ConsensusInput.block`.
    case requestBlock(BlockID, height: Height)

    /// The round made no progress for `ConsensusParameters.resendIntervalMillis`: send these
    /// votes, signed by this validator earlier (in this round and the one before), to every
    /// peer again, past any "peer already has it" filter, and tell peers what this node lacks
    /// (its round state). Nothing is signed, persisted or fed back.
    case resendVotes([Vote])
}
