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
///
/// Fees rank transactions (docs/NODE.md, "Mempool"): a full pool evicts the lowest-fee
/// transaction for one that pays more, and `reap` hands the proposer the highest fees first.
struct TransactionPool: Sendable {
    struct Entry: Sendable {
        var transaction: Transaction
        /// Fee plus the amount the payload takes from the balance.
        var cost: UInt64
        /// Arrival order across the whole pool, for fair and deterministic reaping.
        var sequence: UInt64

        var hash: Hash { transaction.hash }
        var bytesCount: Int { transaction.encodedBytesCount }
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
    /// capacity, so a bad transaction hears what is wrong with it rather than "full". A full
    /// pool makes room only by evicting transactions that pay a strictly lower fee.
    mutating func admit(_ transaction: Transaction) -> MempoolError? {
        if let error = check(transaction) { return error }
        let senderAddress = transaction.senderAddress
        let bytesCount = transaction.encodedBytesCount
        if let error = makeRoom(bytesCount: bytesCount, fee: transaction.fee, sparing: senderAddress) { return error }
        let entry = Entry(transaction: transaction, cost: transaction.fee + Self.spend(of: transaction.payload), sequence: sequenceNext)
        sequenceNext += 1
        // In place: a copy taken out of the dictionary would copy the sender's whole queue to append.
        senders[senderAddress, default: SenderQueue()].entries.append(entry)
        senders[senderAddress, default: SenderQueue()].costTotal += entry.cost
        senderByHash[transaction.hash] = senderAddress
        bytesTotal += bytesCount
        return nil
    }

    /// Every admission check but the pool's capacity, changing nothing: `admit` runs it first,
    /// and a dry run (`POST /tx?dry_run=true`) runs it alone.
    func check(_ transaction: Transaction) -> MempoolError? {
        if contains(transaction.hash) { return .duplicate(transaction.hash) }
        if let error = Self.checkStateless(transaction, parameters: ledger.parameters) { return error }
        let senderAddress = transaction.senderAddress
        let queue = senders[senderAddress] ?? SenderQueue()
        let account = ledger.state.account(senderAddress)
        if let error = Self.checkAgainst(account: account, pending: queue, transaction) { return error }
        if queue.entries.count >= limits.perSenderCountMax {
            return .senderFull(sender: senderAddress, countMax: limits.perSenderCountMax)
        }
        return nil
    }

    /// What the ledger would say of `transaction`'s payload in a block right after the sender's
    /// pending transactions: those are applied in nonce order to a scratch copy of the latest
    /// ledger, so the nonce lines up and their spending and staking count. Nil: it would succeed.
    func payloadVerdict(_ transaction: Transaction) -> TransactionError? {
        var scratch = ledger
        for entry in senders[transaction.senderAddress]?.entries ?? [] {
            _ = scratch.apply(entry.transaction, signatureVerified: true)
        }
        return scratch.check(transaction, signatureVerified: true)
    }

    /// Makes room for one more transaction of `bytesCount` bytes paying `fee`, or says why not.
    /// Victims are the last pending transactions of other senders (evicting a sender's last
    /// nonce leaves its sequence without a gap), lowest fee first, the newest first among
    /// equal fees. Room is made only when every victim pays strictly less than `fee`, so fresh
    /// keys cannot push out what pays more, and nothing is evicted when room cannot be made.
    private mutating func makeRoom(bytesCount: Int, fee: UInt64, sparing newcomer: Address) -> MempoolError? {
        func hasRoom(count: Int, bytes: Int) -> Bool {
            count < limits.countMax && bytes <= limits.bytesMax - bytesCount
        }
        if hasRoom(count: count, bytes: bytesTotal) { return nil }
        guard bytesCount <= limits.bytesMax else {
            return .full(countMax: limits.countMax, bytesMax: limits.bytesMax, feeToExceed: nil)
        }
        // The room eviction would make, planned before anything is evicted. Usually one victim
        // is enough, so the plan allocates nothing until a second is needed.
        var plannedCount: [Address: Int] = [:]
        var victims: [(sender: Address, entry: Entry)] = []
        var countAfter = count, bytesAfter = bytesTotal
        while !hasRoom(count: countAfter, bytes: bytesAfter) {
            var cheapest: (sender: Address, entry: Entry)?
            for (sender, queue) in senders where sender != newcomer {
                let left = queue.entries.count - plannedCount[sender, default: 0]
                guard left > 0 else { continue }
                let tail = queue.entries[left - 1]
                if let current = cheapest, (tail.transaction.fee, current.entry.sequence) >= (current.entry.transaction.fee, tail.sequence) {
                    continue
                }
                cheapest = (sender, tail)
            }
            guard let victim = cheapest else {
                return .full(countMax: limits.countMax, bytesMax: limits.bytesMax, feeToExceed: nil)
            }
            plannedCount[victim.sender, default: 0] += 1
            victims.append(victim)
            countAfter -= 1
            bytesAfter -= victim.entry.bytesCount
        }
        let feeToExceed = victims.map(\.entry.transaction.fee).max() ?? 0
        guard fee > feeToExceed else {
            return .full(countMax: limits.countMax, bytesMax: limits.bytesMax, feeToExceed: feeToExceed)
        }
        for victim in victims { evictLast(of: victim.sender) }
        return nil
    }

    /// Drops `sender`'s highest-nonce pending transaction.
    private mutating func evictLast(of sender: Address) {
        guard var queue = senders[sender], let last = queue.entries.popLast() else { return }
        queue.costTotal -= last.cost
        forget(last, from: sender)
        senders[sender] = queue.entries.isEmpty ? nil : queue
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

    /// Up to `countMax` transactions whose encodings total at most `bytesMax`, highest fee
    /// first, each sender's in nonce order: at every step the best of the senders' next
    /// transactions is taken. Among equal fees senders take turns (one transaction each per
    /// turn, in the arrival order of their oldest pending transaction), so the result depends
    /// only on the pool's contents and order. A sender whose next transaction does not fit is
    /// skipped from then on (its later nonces could not execute without it).
    func reap(bytesMax: Int, countMax: Int) -> [Transaction] {
        guard bytesMax > 0, countMax > 0 else { return [] }
        let queues = senders.values.filter { !$0.entries.isEmpty }
            .sorted { $0.entries[0].sequence < $1.entries[0].sequence }
            .map(\.entries)
        // Each sender's next transaction, kept sorted so that the best is last.
        var heads = queues.indices.map { ReapHead(fee: queues[$0][0].transaction.fee, position: 0, senderRank: $0) }
        heads.sort { $0.isTakenAfter($1) }
        var reaped: [Transaction] = []
        reaped.reserveCapacity(min(countMax, count))
        var bytesLeft = bytesMax
        while reaped.count < countMax, let head = heads.popLast() {
            let entries = queues[head.senderRank]
            let entry = entries[head.position]
            guard entry.bytesCount <= bytesLeft else { continue }
            reaped.append(entry.transaction)
            bytesLeft -= entry.bytesCount
            let nextPosition = head.position + 1
            guard nextPosition < entries.count else { continue }
            let next = ReapHead(fee: entries[nextPosition].transaction.fee, position: nextPosition, senderRank: head.senderRank)
            heads.insert(next, at: Self.insertionIndex(of: next, in: heads))
        }
        return reaped
    }

    /// One sender's next transaction during `reap`: its fee, its place in the sender's queue
    /// (the sender's turn) and the sender's rank by oldest arrival.
    struct ReapHead {
        var fee: UInt64
        var position: Int
        var senderRank: Int

        /// Whether `self` is reaped after `other`: a lower fee, then a later turn, then a later sender.
        func isTakenAfter(_ other: ReapHead) -> Bool {
            (fee, other.position, other.senderRank) < (other.fee, position, senderRank)
        }
    }

    /// Where `head` goes in `heads` (sorted by `isTakenAfter`, best last), by binary search.
    private static func insertionIndex(of head: ReapHead, in heads: [ReapHead]) -> Int {
        var low = 0, high = heads.count
        while low < high {
            let middle = low + (high - low) / 2
            if heads[middle].isTakenAfter(head) { low = middle + 1 } else { high = middle }
        }
        return low
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
