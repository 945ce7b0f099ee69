import RatifyCore
import RatifyLedger

/// Transactions waiting for a block, in arrival order, bounded by count. Admission verifies
/// the signature once and checks the envelope against the latest state; a proposer takes
/// those that apply in sequence on a scratch copy of the ledger, so a sender's nonce n, n+1,
/// ... may wait together. Owned by the driver actor.
struct TransactionPool: Sendable {
    let capacity: Int
    private var order: [Hash] = []
    private var byHash: [Hash: Transaction] = [:]

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var isEmpty: Bool { byHash.isEmpty }
    var count: Int { byHash.count }

    enum Rejection: Error, Equatable, CustomStringConvertible {
        case full(capacity: Int)
        case duplicate
        case invalid(TransactionError)

        var description: String {
            switch self {
            case .full(let capacity): "mempool full (\(capacity) transactions)"
            case .duplicate: "duplicate transaction"
            case .invalid(let error): "\(error)"
            }
        }
    }

    /// Admits a transaction, or says why not. A nonce ahead of the account's is accepted (it
    /// may follow one already waiting); one behind it is a replay.
    mutating func add(_ transaction: Transaction, signatureVerified: Bool, ledger: Ledger) -> Rejection? {
        let hash = transaction.hash
        guard byHash[hash] == nil else { return .duplicate }
        guard byHash.count < capacity else { return .full(capacity: capacity) }
        guard transaction.chainID == ledger.parameters.chainID else {
            return .invalid(.wrongChain(expected: ledger.parameters.chainID, got: transaction.chainID))
        }
        guard signatureVerified || transaction.verifySignature() else { return .invalid(.badSignature) }
        let expected = ledger.state.account(transaction.senderAddress).nonce
        guard transaction.nonce >= expected else { return .invalid(.badNonce(expected: expected, got: transaction.nonce)) }
        byHash[hash] = transaction
        order.append(hash)
        return nil
    }

    /// The transactions that apply in sequence now, in arrival order, at most `countMax`.
    func reap(ledger: Ledger, countMax: Int) -> [Transaction] {
        var scratch = ledger
        var picked: [Transaction] = []
        for hash in order where picked.count < countMax {
            guard let transaction = byHash[hash] else { continue }
            if scratch.apply(transaction, signatureVerified: true) == nil { picked.append(transaction) }
        }
        return picked
    }

    /// Hashes of `transactions` whose signatures were verified at admission.
    func verifiedHashes(in transactions: [Transaction]) -> Set<Hash> {
        Set(transactions.lazy.map(\.hash).filter { byHash[$0] != nil })
    }

    /// Drops what a block included and what the new state makes invalid (spent nonces).
    mutating func removeIncluded(_ transactions: [Transaction], ledger: Ledger) {
        for transaction in transactions { byHash[transaction.hash] = nil }
        for (hash, transaction) in byHash where transaction.nonce < ledger.state.account(transaction.senderAddress).nonce {
            byHash[hash] = nil
        }
        order.removeAll { byHash[$0] == nil }
    }
}
