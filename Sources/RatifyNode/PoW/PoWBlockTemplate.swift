import RatifyCore
import RatifyLedger
import RatifyPoW

/// The block a miner searches a nonce for: a header on the tip with the bits the schedule
/// requires and a time after the median-time-past, a coinbase paying this node, and the
/// mempool's transactions that execute against the tip's state.
struct PoWBlockTemplate {
    var block: PoWBlock

    /// - Parameter reap: hands out transactions for at most (bytes, count), e.g. `Mempool.reap`.
    static func make(parent: BlockTree.Node, tree: BlockTree, ledger: Ledger, miner: Address, nowSeconds: UInt32,
                     bytesMax: Int, transactionsMax: Int, reap: (_ bytesMax: Int, _ countMax: Int) -> [Transaction]) -> PoWBlockTemplate {
        let coinbase = PoWBlock.Coinbase(height: parent.height + 1, miner: miner, extraNonce: 0)
        let time = max(nowSeconds, tree.medianTimePast(of: parent) + 1)
        let bits = tree.expectedBits(after: parent)
        func make(_ transactions: [Transaction]) -> PoWBlock {
            let header = BlockHeader80(version: 1, previousHash: parent.hash,
                                       merkleRoot: PoWBlock.merkleRoot(coinbase: coinbase, transactions: transactions),
                                       time: time, bits: bits, nonce: 0)
            return PoWBlock(header: header, coinbase: coinbase, transactions: transactions)
        }
        let empty = make([])
        // Each transaction adds exactly its encoding: the list's count prefix is in `empty`.
        let overheadBytes = empty.canonicalBytes.count
        let budget = min(bytesMax, PoWBlock.encodedBytesMax) - overheadBytes
        guard budget > 0, transactionsMax > 0 else { return PoWBlockTemplate(block: empty) }
        // Keep what executes against the tip's state, in order (the mempool verified the
        // signatures). An envelope error changes nothing, so the scratch state needs no copy;
        // a payload failure is a valid transaction that charges its fee.
        var scratch = ledger
        guard case .success = scratch.executeMined(height: parent.height + 1, miner: miner, transactions: []) else {
            return PoWBlockTemplate(block: empty)
        }
        var included: [Transaction] = []
        for transaction in reap(budget, min(transactionsMax, CodecLimits.transactionsPerBlockMax)) {
            if let error = scratch.apply(transaction, signatureVerified: true), error.isEnvelopeError { continue }
            included.append(transaction)
        }
        return PoWBlockTemplate(block: make(included))
    }
}
