import RatifyCore
import RatifyLedger

/// Where a final transaction is and how it went: what `GET /tx/HASH` and
/// `POST /tx?wait=final` report. `code` 0 is success; otherwise the ledger's error code.
public struct TransactionLocation: Sendable, Equatable {
    public var hash: Hash
    public var height: Height
    public var index: Int
    public var code: UInt32
    public var log: String

    public init(hash: Hash, height: Height, index: Int, code: UInt32, log: String) {
        self.hash = hash
        self.height = height
        self.index = index
        self.code = code
        self.log = log
    }

    /// One location per transaction of an executed block, for the index and the waiters.
    public static func all(in block: Block, result: Ledger.BlockResult) -> [TransactionLocation] {
        block.transactions.enumerated().map { index, transaction in
            let error = result.transactionErrors.indices.contains(index) ? result.transactionErrors[index] : nil
            return TransactionLocation(hash: transaction.hash, height: block.height, index: index,
                                       code: error?.code ?? 0, log: error?.description ?? "")
        }
    }
}
