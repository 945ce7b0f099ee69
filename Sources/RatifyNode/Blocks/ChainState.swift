import RatifyCore
import RatifyLedger

/// What the next block must build on: the last decided block, the app hash after it, and the
/// validator sets (CometBFT's `state.State`). A value; the driver holds the latest one and
/// replaces it with `BlockExecutor`'s result after each decided block.
///
/// Validator-set changes decided in block H take effect at H+2 (docs/CONSENSUS.md, "Changes to the set"): after block H,
/// `validators` becomes the old `nextValidators`, and `nextValidators` takes block H's updates.
public struct ChainState: Sendable, Equatable {
    public var chainID: String
    /// 0 before the first block.
    public var lastBlockHeight: Height
    /// `.zero` before the first block.
    public var lastBlockID: BlockID
    /// The last block's time; the genesis time before the first block.
    public var lastBlockTimeMillis: UInt64
    /// The ledger's app hash after `lastBlockHeight`: what the next header must carry.
    public var appHash: Hash
    /// The set that decides `nextHeight`, its proposer priorities at round 0.
    public var validators: ValidatorSet
    /// The set for `nextHeight + 1`.
    public var nextValidators: ValidatorSet
    /// The set that decided `lastBlockHeight`, whose precommits the next block's last commit
    /// holds; nil before the first block.
    public var lastValidators: ValidatorSet?
    public var blockParams: BlockParams

    public init(chainID: String, lastBlockHeight: Height, lastBlockID: BlockID, lastBlockTimeMillis: UInt64, appHash: Hash,
                validators: ValidatorSet, nextValidators: ValidatorSet, lastValidators: ValidatorSet?, blockParams: BlockParams) {
        self.chainID = chainID
        self.lastBlockHeight = lastBlockHeight
        self.lastBlockID = lastBlockID
        self.lastBlockTimeMillis = lastBlockTimeMillis
        self.appHash = appHash
        self.validators = validators
        self.nextValidators = nextValidators
        self.lastValidators = lastValidators
        self.blockParams = blockParams
    }

    public var nextHeight: Height { lastBlockHeight + 1 }

    /// The state before block 1, from a validated genesis and the ledger built from it.
    /// As in CometBFT, the next set starts one priority step ahead of the first.
    public static func genesis(_ genesis: Genesis, ledger: Ledger) throws(ValidatorSetError) -> ChainState {
        let validators = try ValidatorSet(validators: ledger.activeValidators())
        let seconds = max(genesis.genesisTime.unixSeconds, 0)
        let timeMillis = UInt64(seconds) * 1000 + UInt64(genesis.genesisTime.nanos / 1_000_000)
        return ChainState(chainID: genesis.chainID, lastBlockHeight: 0, lastBlockID: .zero, lastBlockTimeMillis: timeMillis,
                          appHash: ledger.state.appHash, validators: validators,
                          nextValidators: validators.copyIncrementingProposerPriority(times: 1),
                          lastValidators: nil, blockParams: genesis.block)
    }

    /// The proposer of `round` at `nextHeight`.
    public func proposer(round: Round) -> Validator {
        round == 0 ? validators.proposer : validators.copyIncrementingProposerPriority(times: Int(round)).proposer
    }
}
