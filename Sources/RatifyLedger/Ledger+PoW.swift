import RatifyCore

/// Blocks of a `pow` chain (docs/POW.md, "Block format"): no validators decide them, so there
/// is no last commit, no downtime tracking and no evidence in the block; the miner is paid.
extension Ledger {
    /// Tokens minted to the miner of every block, on top of the block's fees. Fixed: a testnet
    /// chain has no supply schedule (docs/POW.md, "Reward").
    public static let minerRewardPerBlock: UInt64 = 1_000_000

    /// Why a mined block cannot be applied to this state.
    public enum MinedBlockError: Error, Equatable, Sendable, CustomStringConvertible {
        case height(expected: Height, got: Height)
        /// A transaction that could not be executed at all here (wrong nonce, bad signature,
        /// unpaid fee, ...): a block that carries one is invalid.
        case transaction(index: Int, TransactionError)

        public var description: String {
            switch self {
            case .height(let expected, let got): "block height \(got), expected \(expected)"
            case .transaction(let index, let error): "transaction \(index): \(error)"
            }
        }
    }

    /// Applies mined block `height`: releases due unbonding, credits `minerRewardPerBlock` to
    /// `miner`, then executes the transactions in order, their fees to `miner`. A payload
    /// failure is recorded (fee charged, nonce advanced) as in a PoS block; an envelope error
    /// makes the whole block invalid, and the ledger must then be discarded (apply to a copy).
    public mutating func executeMined(height: Height, miner: Address, transactions: [Transaction],
                                      verifiedTransactions: Set<Hash> = []) -> Result<BlockResult, MinedBlockError> {
        // `state.height` is Height.max only in a damaged state; no block follows it.
        guard state.height < Height.max, height == state.height + 1 else {
            return .failure(.height(expected: state.height &+ 1, got: height))
        }
        state.setHeight(height)
        releaseUnbonding(upTo: height)
        credit(miner, Self.minerRewardPerBlock)
        var errors: [TransactionError?] = []
        errors.reserveCapacity(transactions.count)
        for (index, transaction) in transactions.enumerated() {
            let error = deliver(transaction, signatureVerified: verifiedTransactions.contains(transaction.hash),
                                proposer: miner)
            if let error, error.isEnvelopeError { return .failure(.transaction(index: index, error)) }
            errors.append(error)
        }
        return .success(BlockResult(transactionErrors: errors, evidenceErrors: [], appHash: state.updateAppHash(),
                                    validators: activeValidators()))
    }
}

extension LedgerState {
    /// The state before some blocks, from this state (after them) and their undo data: for
    /// each block, newest first, the keys it changed with their values before it (nil: absent).
    public func reverted(by undo: [[(key: [UInt8], value: [UInt8]?)]]) throws(LoadError) -> LedgerState {
        var pairs = Dictionary(uniqueKeysWithValues: keyValues().map { ($0.key, $0.value) })
        for block in undo {
            for (key, value) in block { pairs[key] = value }
        }
        return try LedgerState.load(from: pairs.map { (key: $0.key, value: $0.value) })
    }
}
