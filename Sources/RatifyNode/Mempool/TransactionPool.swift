import RatifyCore
import RatifyLedger

/// The mempool's bookkeeping as a value, with no locks and no concurrency: admission against
/// the latest ledger state plus each sender's pending transactions, reaping, and re-checking
/// after a block. `Mempool` wraps it in a lock and verifies signatures outside the lock.
///
/// Invariants (checked by `checkInvariants()` in tests):
/// - a sender's pending transactions carry the consecutive nonces `account.nonce, +1, ...`;
/// - the sum of their costs (fee + amount spent) is at most the account's balance;
/// - `count`, `bytesTotal` and per-sender counts are within `limits`.
struct TransactionPool: Sendable {
    struct Entry: Sendable {
        var transaction: Transaction
        var hash: Hash
        var bytesCount: Int
        /// Fee plus the amount the payload takes from the balance.
        var cost: UInt64
        /// Arrival order across the whole pool, for fair and deterministic reaping.
        var sequence: UInt64
    }

    /// One sender's pending transactions in nonce order.
    struct SenderQueue: Sendable {
        var entries: [Entry] = []
        var costTotal: UInt64 = 0
    }

    let limits: MempoolLimits
    private(set) var ledger: Ledger
    private var senders: [Address: SenderQueue] = [:]
    private var senderByHash: [Hash: Address] = [:]
    private(set) var bytesTotal = 0
    private var sequenceNext: UInt64 = 0

    init(limits: MempoolLimits, ledger: Ledger) {
        self.limits = limits
        self.ledger = ledger
    }

    var count: Int { senderByHash.count }

    func contains(_ hash: Hash) -> Bool { senderByHash[hash] != nil }

    /// How many transactions `sender` has pending.
    func pendingCount(from sender: Address) -> Int { senders[sender]?.entries.count ?? 0 }

    /// The amount a payload takes from the sender's balance, besides the fee.
    static func spend(of payload: TransactionPayload) -> UInt64 {
        switch payload {
        case .transfer(_, let amount), .stake(_, let amount, _): amount
        case .unstake, .unjail, .evidence, .ffgEvidence: 0
        }
    }

    /// The checks that need no state: chain id, fee minimum, positive amounts.
    static func checkStateless(_ transaction: Transaction, parameters: LedgerParameters) -> MempoolError? {
        guard transaction.chainID == parameters.chainID else {
            return .rejected(.wrongChain(expected: parameters.chainID, got: transaction.chainID))
        }
        guard transaction.fee >= parameters.feeMin else {
            return .rejected(.feeTooLow(minimum: parameters.feeMin, got: transaction.fee))
        }
        switch transaction.payload {
        case .transfer(_, let amount), .stake(_, let amount, _), .unstake(_, let amount):
            if amount == 0 { return .rejected(.zeroAmount) }
        case .unjail, .evidence, .ffgEvidence:
            break
        }
        return nil
    }

    /// Admits a transaction whose signature has been verified. Validity is checked before
    /// capacity, so a bad transaction hears what is wrong with it rather than "full".
    mutating func admit(_ transaction: Transaction, hash: Hash, bytesCount: Int) -> MempoolError? {
        if contains(hash) { return .duplicate(hash) }
        if let error = Self.checkStateless(transaction, parameters: ledger.parameters) { return error }
        let senderAddress = transaction.senderAddress
        let queue = senders[senderAddress] ?? SenderQueue()
        let account = ledger.state.account(senderAddress)
        if let error = Self.checkAgainst(account: account, pending: queue, transaction) { return error }
        if queue.entries.count >= limits.perSenderCountMax {
            return .senderFull(sender: senderAddress, countMax: limits.perSenderCountMax)
        }
        if count >= limits.countMax || bytesTotal > limits.bytesMax - bytesCount {
            return .full(countMax: limits.countMax, bytesMax: limits.bytesMax)
        }
        let entry = Entry(transaction: transaction, hash: hash, bytesCount: bytesCount,
                          cost: transaction.fee + Self.spend(of: transaction.payload), sequence: sequenceNext)
        sequenceNext += 1
        var updated = queue
        updated.entries.append(entry)
        updated.costTotal += entry.cost
        senders[senderAddress] = updated
        senderByHash[hash] = senderAddress
        bytesTotal += bytesCount
        return nil
    }

    /// Nonce and balance of `transaction` as the next of `pending` for `account`.
    /// `pending.costTotal <= account.balance` holds, so the subtraction cannot underflow.
    static func checkAgainst(account: Account, pending: SenderQueue, _ transaction: Transaction) -> MempoolError? {
        let (expectedNonce, nonceOverflow) = account.nonce.addingReportingOverflow(UInt64(pending.entries.count))
        guard !nonceOverflow, transaction.nonce == expectedNonce else {
            return .rejected(.badNonce(expected: expectedNonce, got: transaction.nonce))
        }
        let available = account.balance >= pending.costTotal ? account.balance - pending.costTotal : 0
        guard transaction.fee <= available else { return .rejected(.cannotPayFee(balance: available, fee: transaction.fee)) }
        let spend = spend(of: transaction.payload)
        guard spend <= available - transaction.fee else {
            return .rejected(.insufficientBalance(have: available, need: spend, fee: transaction.fee))
        }
        return nil
    }

    /// Up to `countMax` transactions whose encodings total at most `bytesMax`, in nonce order
    /// per sender, one per sender per turn. Senders take turns in the arrival order of their
    /// oldest pending transaction, so the result depends only on the pool's contents and order.
    /// A sender whose next transaction does not fit is skipped from then on (its later nonces
    /// could not execute without it); the others keep filling.
    func reap(bytesMax: Int, countMax: Int) -> [Transaction] {
        guard bytesMax > 0, countMax > 0 else { return [] }
        var queues = senders.values.filter { !$0.entries.isEmpty }
            .sorted { $0.entries[0].sequence < $1.entries[0].sequence }
            .map { (entries: $0.entries, next: 0) }
        var reaped: [Transaction] = []
        reaped.reserveCapacity(min(countMax, count))
        var bytesLeft = bytesMax
        while !queues.isEmpty && reaped.count < countMax {
            var stillTaking: [(entries: [Entry], next: Int)] = []
            stillTaking.reserveCapacity(queues.count)
            for var queue in queues {
                guard reaped.count < countMax else { break }
                let entry = queue.entries[queue.next]
                guard entry.bytesCount <= bytesLeft else { continue }
                reaped.append(entry.transaction)
                bytesLeft -= entry.bytesCount
                queue.next += 1
                if queue.next < queue.entries.count { stillTaking.append(queue) }
            }
            queues = stillTaking
        }
        return reaped
    }

    /// After a block: forgets the block's transactions, adopts the new state, and re-checks
    /// every sender's remaining transactions against it. The first that fails and every later
    /// one of that sender are dropped (they would leave a nonce gap).
    mutating func update(committed: [Hash], ledger newLedger: Ledger) -> MempoolUpdate {
        ledger = newLedger
        let removed = committed.reduce(0) { $0 + (senderByHash[$1] == nil ? 0 : 1) }
        var dropped: [(hash: Hash, reason: MempoolError)] = []
        let committedSet = Set(committed)
        // Every sender is re-checked, not only those in the block: fees and transfers to an
        // account, stake changes and slashing can all change what is valid.
        for sender in senders.keys.sorted() {
            guard let old = senders[sender] else { continue }
            let account = ledger.state.account(sender)
            var kept = SenderQueue()
            var failure: MempoolError?
            for entry in old.entries {
                if committedSet.contains(entry.hash) {
                    forget(entry, from: sender)
                    continue
                }
                if failure == nil {
                    failure = Self.checkStateless(entry.transaction, parameters: ledger.parameters)
                        ?? Self.checkAgainst(account: account, pending: kept, entry.transaction)
                }
                if let failure {
                    dropped.append((entry.hash, failure))
                    forget(entry, from: sender)
                } else {
                    kept.entries.append(entry)
                    kept.costTotal += entry.cost
                }
            }
            senders[sender] = kept.entries.isEmpty ? nil : kept
        }
        return MempoolUpdate(removedCommittedCount: removed, dropped: dropped, remainingCount: count)
    }

    private mutating func forget(_ entry: Entry, from sender: Address) {
        senderByHash[entry.hash] = nil
        bytesTotal -= entry.bytesCount
    }

    /// Programmer-error checks of the invariants above; tests call it after every operation.
    func checkInvariants() -> String? {
        var countSeen = 0, bytesSeen = 0
        for (sender, queue) in senders {
            let account = ledger.state.account(sender)
            if queue.entries.isEmpty { return "empty queue kept for \(sender)" }
            if queue.entries.count > limits.perSenderCountMax { return "sender \(sender) over its cap" }
            var cost: UInt64 = 0
            for (offset, entry) in queue.entries.enumerated() {
                if entry.transaction.nonce != account.nonce + UInt64(offset) { return "nonce gap for \(sender)" }
                if senderByHash[entry.hash] != sender { return "index out of step for \(entry.hash)" }
                cost += entry.cost
                bytesSeen += entry.bytesCount
            }
            if cost != queue.costTotal || cost > account.balance { return "cost total wrong for \(sender)" }
            countSeen += queue.entries.count
        }
        if countSeen != count || bytesSeen != bytesTotal { return "totals out of step" }
        if count > limits.countMax || bytesTotal > limits.bytesMax { return "over the pool's limits" }
        return nil
    }
}
