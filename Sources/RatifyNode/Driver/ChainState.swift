import RatifyConsensus
import RatifyCore

/// What the node knows about the chain's tip, to build and check the next block: the last
/// decided block's id, time and commit, the app hash after it, and the validator sets of the
/// next heights. Updated once per decided height, by the driver only.
struct ChainState: Sendable {
    let chainID: String
    /// The height the node is deciding now (the last stored height + 1).
    var height: Height
    var lastBlockID: BlockID
    var lastBlockTimeMillis: UInt64
    var lastCommit: Commit?
    /// The ledger's app hash after `height - 1`: what block `height`'s header must carry.
    var appHash: Hash
    /// Validator sets of `height - 1` (for the last commit), `height`, and `height + 1`.
    var previousValidators: ValidatorSet?
    var validators: ValidatorSet
    var nextValidators: ValidatorSet

    enum BlockProblem: Error, Equatable, CustomStringConvertible {
        case malformed(Block.Malformed)
        case wrongChain(String)
        case wrongHeight(expected: Height, got: Height)
        case wrongLastBlockID
        case wrongAppHash
        case wrongValidatorsHash
        case wrongNextValidatorsHash
        case wrongProposer
        case timeNotIncreasing(last: UInt64, got: UInt64)
        case lastCommit(CommitVerificationError)
        case lastCommitForOtherBlock

        var description: String {
            switch self {
            case .malformed(let reason): "malformed block: \(reason)"
            case .wrongChain(let chain): "block is for chain \(chain)"
            case .wrongHeight(let expected, let got): "block height \(got), expected \(expected)"
            case .wrongLastBlockID: "last_block_id is not the last decided block"
            case .wrongAppHash: "app_hash is not the state after the last block"
            case .wrongValidatorsHash: "validators_hash does not match this height's validator set"
            case .wrongNextValidatorsHash: "next_validators_hash does not match the next height's validator set"
            case .wrongProposer: "proposer_address is not the proposal's signer"
            case .timeNotIncreasing(let last, let got): "block time \(got) ms is not after the last block's \(last) ms"
            case .lastCommit(let error): "last commit: \(error)"
            case .lastCommitForOtherBlock: "last commit is not for the last decided block"
            }
        }
    }

    /// Tendermint's `valid(v)`: whether `block`, proposed by `proposer`, can be the next block.
    func problem(with block: Block, proposer: Address) -> BlockProblem? {
        do { try block.validateBody() } catch { return .malformed(error) }
        let header = block.header
        guard header.chainID == chainID else { return .wrongChain(header.chainID) }
        guard header.height == height else { return .wrongHeight(expected: height, got: header.height) }
        guard header.lastBlockID == lastBlockID else { return .wrongLastBlockID }
        guard header.appHash == appHash else { return .wrongAppHash }
        guard header.validatorsHash == validators.hash else { return .wrongValidatorsHash }
        guard header.nextValidatorsHash == nextValidators.hash else { return .wrongNextValidatorsHash }
        guard header.proposerAddress == proposer else { return .wrongProposer }
        if height > 1 {
            guard header.timeMillis > lastBlockTimeMillis else {
                return .timeNotIncreasing(last: lastBlockTimeMillis, got: header.timeMillis)
            }
            guard let commit = block.lastCommit, let previousValidators else { return .lastCommitForOtherBlock }
            guard commit.blockID == lastBlockID else { return .lastCommitForOtherBlock }
            do { try commit.verify(chainID: chainID, validators: previousValidators) } catch { return .lastCommit(error) }
        }
        return nil
    }

    /// The block this node proposes at `height`, carrying `transactions` and `evidence`.
    func proposalBlock(proposer: Address, timeMillis: UInt64, transactions: [Transaction],
                       evidence: [DuplicateVoteEvidence]) -> Block {
        Block.make(chainID: chainID, height: height, timeMillis: max(timeMillis, lastBlockTimeMillis + 1),
                   lastBlockID: lastBlockID, lastCommit: lastCommit, transactions: transactions, evidence: evidence,
                   validatorsHash: validators.hash, nextValidatorsHash: nextValidators.hash, appHash: appHash,
                   proposerAddress: proposer)
    }

    /// Moves to the next height after `block` was decided with `commit` and applied.
    mutating func advance(block: Block, commit: Commit, appHash newAppHash: Hash, validatorsForHeightPlus2: ValidatorSet) {
        height += 1
        lastBlockID = block.id
        lastBlockTimeMillis = block.header.timeMillis
        lastCommit = commit
        appHash = newAppHash
        previousValidators = validators
        validators = nextValidators
        nextValidators = validatorsForHeightPlus2
    }
}
