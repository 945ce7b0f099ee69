import RatifyCore
import RatifyLedger
import RatifyPoW
import RatifyStore

/// A block run through the ledger onto the best chain: where each of its transactions went and
/// what the store records for it (its state writes, the undo that reverts them, its transactions'
/// locations). The driver builds one per block it connects; so does `PoWChainMaker`.
struct ConnectedBlock {
    var locations: [TransactionLocation]
    var record: PoWChainStore.Connected

    /// `writes`: what executing `block` changed (`Ledger.takeWrites`); `before`: the state
    /// it was executed on, which the undo restores.
    init(block: PoWBlock, height: UInt64, hash: PoWHash, result: Ledger.BlockResult, writes: [(key: [UInt8], value: [UInt8]?)],
         before: LedgerState) {
        let locations = block.transactions.enumerated().map { index, transaction in
            TransactionLocation(transaction, height: height, index: index, error: result.transactionErrors[index])
        }
        self.locations = locations
        record = PoWChainStore.Connected(
            height: height, hash: hash.asHash,
            stateWrites: writes.map { StateWrite(key: $0.key, value: $0.value) },
            undo: writes.map { StateWrite(key: $0.key, value: before.value(forKey: $0.key)) },
            transactions: locations.map {
                ($0.hash, BlockStore.transactionLocationBytes(height: $0.height, index: $0.index, code: $0.code, log: $0.log))
            })
    }
}
