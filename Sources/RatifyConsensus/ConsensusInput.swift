import RatifyCore

/// Everything that can happen to one validator's consensus core. The shell (the node's driver,
/// or the simulator) turns network messages, timers and storage results into these, writes
/// each one except `.start`, `.proposalBlock` and `.heightApplied` to the height's WAL before
/// handing it over, and replays the WAL after a crash. docs/CONSENSUS.md has the contract.
public enum ConsensusInput: Sendable {
    /// Algorithm 1, line 10: start round 0 of the height the core was built for (or replayed
    /// up to). Sent once, before any other input of the height.
    case start

    /// A signed proposal with the block it names. `blockIsValid` is the shell's verdict on
    /// Algorithm 1's `valid(v)` (state checks: last block id, last commit, app hash,
    /// transactions); the core never decides or prevotes a block judged invalid.
    case proposal(VerifiedProposal, block: Block, blockIsValid: Bool)

    /// A block fetched by id after `ConsensusEffect.requestBlock` (2/3+ precommits name a block
    /// this node never received a proposal for), or by block sync.
    case block(Block, blockIsValid: Bool)

    /// A signed prevote or precommit, from a peer or this validator's own, fed back after
    /// signing exactly like any other.
    case vote(VerifiedVote)

    /// A timer scheduled by `ConsensusEffect.scheduleTimeout` fired.
    case timeout(TimeoutEvent)

    /// The shell's answer to `ConsensusEffect.requestProposalBlock` (Algorithm 1's
    /// `getValue()`, line 18): a block built from the mempool for that height and round.
    case proposalBlock(Block, height: Height, round: Round)

    /// The decided block of `height` and its ledger state are durably stored. Carries the
    /// validator set for `height + 2`, which the block's validator updates determined
    /// (changes decided in H take effect at H + 2). The core then waits the commit time and
    /// moves to `height + 1`.
    case heightApplied(Height, validatorsForHeightPlus2: ValidatorSet)
}
