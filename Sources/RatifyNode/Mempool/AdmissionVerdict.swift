import RatifyCore
import RatifyLedger

/// What a dry run (`Mempool.check`) found for a transaction the mempool would admit: its hash,
/// and the ledger's error for its payload if it would fail in a block (the fee would still be
/// charged and the nonce used, as for any included transaction whose payload fails).
public struct AdmissionVerdict: Sendable, Equatable {
    public var hash: Hash
    public var payloadError: TransactionError?

    public init(hash: Hash, payloadError: TransactionError?) {
        self.hash = hash
        self.payloadError = payloadError
    }
}
