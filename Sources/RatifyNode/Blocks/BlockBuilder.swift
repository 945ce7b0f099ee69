import RatifyCore

/// Makes the proposer's block for `state.nextHeight`: the header from the chain state, and as
/// many reaped transactions as fit `block.max_bytes` (the whole encoded block) and `block.max_txs`.
public enum BlockBuilder {
    /// - Parameters:
    ///   - proposer: this validator's address.
    ///   - timeMillis: the proposer's clock; raised to one millisecond after the last block if
    ///     behind it, so block times always increase.
    ///   - lastCommit: the commit of `state.lastBlockHeight`; nil at height 1.
    ///   - reap: hands out transactions for at most (bytes, count), e.g. `Mempool.reap`.
    public static func proposal(state: ChainState, proposer: Address, timeMillis: UInt64, lastCommit: Commit?,
                                evidence: [DuplicateVoteEvidence] = [],
                                reap: (_ bytesMax: Int, _ countMax: Int) -> [Transaction]) -> Block {
        let time = max(timeMillis, state.lastBlockTimeMillis + 1)
        func make(_ transactions: [Transaction]) -> Block {
            Block.make(chainID: state.chainID, height: state.nextHeight, timeMillis: time, lastBlockID: state.lastBlockID,
                       lastCommit: lastCommit, transactions: transactions, evidence: evidence,
                       validatorsHash: state.validators.hash, nextValidatorsHash: state.nextValidators.hash,
                       appHash: state.appHash, proposerAddress: proposer)
        }
        let empty = make([])
        // Each transaction adds exactly its encoding: the list's count prefix is in `empty`.
        let overheadBytes = empty.canonicalBytes.count
        let bytesMax = Int(clamping: min(state.blockParams.maxBytes, UInt64(CodecLimits.blockBytesMax)))
        let countMax = Int(clamping: min(state.blockParams.maxTxs, UInt64(CodecLimits.transactionsPerBlockMax)))
        guard bytesMax > overheadBytes else { return empty }
        let transactions = reap(bytesMax - overheadBytes, countMax)
        guard !transactions.isEmpty else { return empty }
        let block = make(transactions)
        assert(block.canonicalBytes.count <= bytesMax, "a proposal must fit block.max_bytes")
        return block
    }

    /// A proposal filled from `mempool`.
    public static func proposal(state: ChainState, proposer: Address, timeMillis: UInt64, lastCommit: Commit?,
                                evidence: [DuplicateVoteEvidence] = [], mempool: Mempool) -> Block {
        proposal(state: state, proposer: proposer, timeMillis: timeMillis, lastCommit: lastCommit, evidence: evidence) {
            mempool.reap(maxBytes: $0, maxCount: $1)
        }
    }
}
