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
    /// The accounts the transaction names (`accounts(of:)`), for the event stream's account
    /// filter; empty for a location read back from the transaction index.
    public var accounts: [Address]

    public init(hash: Hash, height: Height, index: Int, code: UInt32, log: String, accounts: [Address] = []) {
        self.hash = hash
        self.height = height
        self.index = index
        self.code = code
        self.log = log
        self.accounts = accounts
    }

    /// Equal when they place the same transaction at the same place with the same outcome: the
    /// accounts follow from the transaction (its hash), and a location read back from the index
    /// does not carry them.
    public static func == (lhs: TransactionLocation, rhs: TransactionLocation) -> Bool {
        (lhs.hash, lhs.height, lhs.index, lhs.code, lhs.log) == (rhs.hash, rhs.height, rhs.index, rhs.code, rhs.log)
    }

    /// Located in `block` at `index`, with the accounts `transaction` names.
    init(_ transaction: Transaction, height: Height, index: Int, error: TransactionError?) {
        self.init(hash: transaction.hash, height: height, index: index, code: error?.code ?? 0,
                  log: error?.description ?? "", accounts: Self.accounts(of: transaction))
    }

    /// The accounts a transaction names: its sender, and a transfer's recipient.
    public static func accounts(of transaction: Transaction) -> [Address] {
        if case .transfer(let recipient, _) = transaction.payload, recipient != transaction.senderAddress {
            return [transaction.senderAddress, recipient]
        }
        return [transaction.senderAddress]
    }

    /// One location per transaction of an executed block, for the index and the waiters.
    public static func all(in block: Block, result: Ledger.BlockResult) -> [TransactionLocation] {
        block.transactions.enumerated().map { index, transaction in
            let error = result.transactionErrors.indices.contains(index) ? result.transactionErrors[index] : nil
            return TransactionLocation(transaction, height: block.height, index: index, error: error)
        }
    }
}
