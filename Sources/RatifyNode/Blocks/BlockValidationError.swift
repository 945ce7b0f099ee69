import RatifyCore

/// Why a proposed or synced block is not valid on top of a `ChainState` (Tendermint's
/// `valid(v)` is false). One line each, naming the field, what was expected and what came.
public enum BlockValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case version(expected: UInt32, got: UInt32)
    case chainID(expected: String, got: String)
    case height(expected: Height, got: Height)
    case lastBlockID(expected: BlockID, got: BlockID)
    case appHash(expected: Hash, got: Hash)
    case validatorsHash(expected: Hash, got: Hash)
    case nextValidatorsHash(expected: Hash, got: Hash)
    case proposer(expected: Address, got: Address)
    case proposerNotValidator(Address)
    case timeNotAfterLastBlock(lastMillis: UInt64, gotMillis: UInt64)
    case timeTooFarAhead(nowMillis: UInt64, gotMillis: UInt64, driftMillisMax: UInt64)
    case body(Block.Malformed)
    case tooLarge(bytes: Int, bytesMax: UInt64)
    case tooManyTransactions(count: Int, countMax: UInt64)
    case lastCommitBlockID(expected: BlockID, got: BlockID)
    case lastCommitSize(expected: Int, got: Int)
    case lastCommitSignature(index: Int)
    case lastCommitPower(signed: Int64, total: Int64)
    case transactionSignature(index: Int, hash: Hash)
    case tooMuchEvidence(count: Int, countMax: Int)
    case duplicateEvidence
    case evidence(index: Int, EvidenceRules.Problem)

    public var description: String {
        switch self {
        case .version(let expected, let got): "block header version: expected \(expected), got \(got)"
        case .chainID(let expected, let got): "block header chain_id: expected \"\(expected)\", got \"\(got)\""
        case .height(let expected, let got): "block header height: expected \(expected), got \(got)"
        case .lastBlockID(let expected, let got): "block header last_block_id: expected \(expected.hash.hex), got \(got.hash.hex)"
        case .appHash(let expected, let got): "block header app_hash: expected \(expected.hex), got \(got.hex)"
        case .validatorsHash(let expected, let got): "block header validators_hash: expected \(expected.hex), got \(got.hex)"
        case .nextValidatorsHash(let expected, let got):
            "block header next_validators_hash: expected \(expected.hex), got \(got.hex)"
        case .proposer(let expected, let got): "block header proposer_address: expected \(expected.hex), got \(got.hex)"
        case .proposerNotValidator(let address): "block header proposer_address: \(address.hex) is not in this height's validator set"
        case .timeNotAfterLastBlock(let last, let got): "block header time_ms: \(got) is not after the last block's \(last)"
        case .timeTooFarAhead(let now, let got, let drift):
            "block header time_ms: \(got) is more than \(drift) ms ahead of this node's clock (\(now)); check the clocks"
        case .body(let malformed): "block body: \(malformed)"
        case .tooLarge(let bytes, let bytesMax): "block is \(bytes) bytes, more than block.max_bytes \(bytesMax)"
        case .tooManyTransactions(let count, let countMax): "block has \(count) transactions, more than block.max_txs \(countMax)"
        case .lastCommitBlockID(let expected, let got): "last commit is for block \(got.hash.hex), expected \(expected.hash.hex)"
        case .lastCommitSize(let expected, let got): "last commit has \(got) signatures, the last validator set has \(expected)"
        case .lastCommitSignature(let index): "last commit signature \(index) does not verify"
        case .lastCommitPower(let signed, let total): "last commit has \(signed) of \(total) voting power, not more than 2/3"
        case .transactionSignature(let index, let hash): "transaction \(index) (\(hash.hex)) has an invalid signature"
        case .tooMuchEvidence(let count, let countMax): "block has \(count) evidence items, more than \(countMax)"
        case .duplicateEvidence: "block evidence: the same item appears twice"
        case .evidence(let index, let problem): "block evidence \(index): \(problem)"
        }
    }
}
