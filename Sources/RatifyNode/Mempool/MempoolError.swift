import RatifyCore
import RatifyLedger

/// Why the mempool refused a transaction. Ledger rejections keep the ledger's code
/// (docs/LEDGER.md, 1-21); the mempool's own reasons use 100 and up (docs/NODE.md).
public enum MempoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a canonical transaction encoding.
    case malformed(DecodeError)
    /// Larger than one transaction may be.
    case tooLarge(bytes: Int, bytesMax: Int)
    /// The same transaction (same hash) is already pending.
    case duplicate(Hash)
    /// The pool holds its maximum count or bytes, and evicting cheaper transactions cannot
    /// make room: those that would go pay `feeToExceed` or more (nil: nothing can be evicted
    /// for this sender, whose own pending transactions fill the pool).
    case full(countMax: Int, bytesMax: Int, feeToExceed: UInt64?)
    /// The sender already has the maximum number of pending transactions.
    case senderFull(sender: Address, countMax: Int)
    /// A batch handed to `add(batch:)` was longer than `Mempool.batchCountMax`.
    case batchTooLarge(count: Int, countMax: Int)
    /// The ledger's rules (against the latest state plus the sender's pending transactions).
    case rejected(TransactionError)

    public var code: UInt32 {
        switch self {
        case .malformed: 100
        case .tooLarge: 101
        case .duplicate: 102
        case .full: 103
        case .senderFull: 104
        case .batchTooLarge: 105
        case .rejected(let error): error.code
        }
    }

    public var description: String {
        switch self {
        case .malformed(let error):
            "malformed transaction: \(error)"
        case .tooLarge(let bytes, let bytesMax):
            "transaction too large: \(bytes) bytes, at most \(bytesMax)"
        case .duplicate(let hash):
            "duplicate transaction: \(hash.hex) is already pending"
        case .full(let countMax, let bytesMax, .some(let feeToExceed)):
            "mempool full (\(countMax) transactions or \(bytesMax) bytes): pay a fee above \(feeToExceed) to replace cheaper transactions, or retry after the next block"
        case .full(let countMax, let bytesMax, .none):
            "mempool full (\(countMax) transactions or \(bytesMax) bytes): retry after the next block"
        case .senderFull(let sender, let countMax):
            "too many pending transactions from sender \(sender.hex) (at most \(countMax)): wait for some to be committed"
        case .batchTooLarge(let count, let countMax):
            "batch of \(count) transactions is larger than \(countMax): split it"
        case .rejected(let error):
            error.description
        }
    }
}
