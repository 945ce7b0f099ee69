import RatifyCore
import RatifyLedger
import Synchronization

/// Transactions waiting for a block. Shared by the RPC (submissions), the network (a peer's
/// transaction, admitted on the thread that read it) and the engine (reap when proposing,
/// update after each block, a wake-up when it waits for a transaction).
///
/// Admission, in order (docs/NODE.md, "Mempool"):
/// 1. size at most `CodecLimits.transactionBytesMax`, then canonical decoding;
/// 2. duplicates by hash, before any signature work;
/// 3. chain id, fee minimum, positive amounts;
/// 4. the signature, once, outside the lock; a batch is verified in parallel across cores, and
///    a transaction whose signature this node already checked (`verifiedSignatures`: in a
///    proposal, or before its block) is not checked again;
/// 5. under the lock: nonce = account nonce + the sender's pending count, balance covers every
///    pending fee and amount plus this one, then the per-sender limit, then the pool's limits
///    (a full pool evicts lower-fee transactions of other senders for one that pays more).
///
/// Everything held has a verified signature, so `verifiedHashes(in:)` tells the block
/// validator and executor which signatures they need not check again; what they check
/// themselves comes back through `recordVerified`.
public final class Mempool: Sendable {
    /// The longest batch `add(batch:)` takes; a peer's gossip message is cut to this.
    public static let batchCountMax = 10_000

    /// How many checked signatures are remembered beyond the pool: a few blocks' worth at the
    /// highest rates, 32 bytes each.
    public static let verifiedSignaturesMax = 100_000

    private let pool: Mutex<TransactionPool>
    /// Hashes of transactions whose signatures this node checked and found good. A hash covers
    /// its transaction's signature, so one found here stands for a good signature: a
    /// transaction met first in a proposal, or gossiped again after its block, is checked once.
    private let verifiedSignatures = Mutex(SeenSet(capacity: Mempool.verifiedSignaturesMax))
    /// Who `finish` wakes after the next admission (`wakeOnNextAdmission`).
    private let admissionWaiter = Mutex<(@Sendable () -> Void)?>(nil)

    public init(limits: MempoolLimits, ledger: Ledger) {
        pool = Mutex(TransactionPool(limits: limits, ledger: ledger))
    }

    public convenience init(config: MempoolConfig, ledger: Ledger) {
        self.init(limits: MempoolLimits(config), ledger: ledger)
    }

    public var count: Int { pool.withLock { $0.count } }
    /// The smallest fee admitted: the ledger's, from genesis `staking.min_fee`.
    public var feeMin: UInt64 { pool.withLock { $0.ledger.parameters.feeMin } }
    public var bytesTotal: Int { pool.withLock { $0.bytesTotal } }
    public func contains(_ hash: Hash) -> Bool { pool.withLock { $0.contains(hash) } }
    public func pendingCount(from sender: Address) -> Int { pool.withLock { $0.pendingCount(from: sender) } }

    /// Admits one encoded transaction; returns its hash.
    public func add(_ bytes: [UInt8]) async throws(MempoolError) -> Hash {
        let results = await add(batch: [bytes])
        return try (results.first ?? .failure(Self.unprocessed)).get()
    }

    /// Admits a transaction already decoded (a peer's gossip, one built in this process): the
    /// same checks as `add(_:)` on its encoding, without decoding it again. Synchronous: its
    /// one signature is checked on the calling thread (for a peer's gossip, the network thread
    /// that read it: `GossipVerifier`).
    public func add(_ transaction: Transaction) throws(MempoolError) -> Hash {
        let parameters = pool.withLock { $0.ledger.parameters }
        if let refusal = Self.sizeRefusal(transaction.encodedBytesCount) { throw refusal }
        return try admitNow(Self.statelessCheck(transaction, parameters: parameters))
    }

    /// Admits one encoded transaction (a client's submission) as `add(_:)` does, on the calling
    /// thread; returns it decoded, for the node to gossip.
    public func addDecoding(_ bytes: [UInt8]) throws(MempoolError) -> Transaction {
        let checked = Self.decode(bytes, parameters: pool.withLock { $0.ledger.parameters })
        _ = try admitNow(checked)
        return try checked.get()
    }

    /// Steps 2, 4 and 5 for one transaction, its signature checked on the calling thread: what
    /// `admit` does for a batch of one, without a batch's arrays and sorting (every client
    /// submission and peer's transaction comes this way).
    private func admitNow(_ checked: Result<Transaction, MempoolError>) throws(MempoolError) -> Hash {
        let transaction = try checked.get()
        let hash = transaction.hash
        if pool.withLock({ $0.contains(hash) }) { throw .duplicate(hash) }
        if !verifiedSignatures.withLock({ $0.contains(hash) }) {
            guard SignatureBatch.verifyHere(transaction) else { throw .rejected(.badSignature) }
            verifiedSignatures.withLock { _ = $0.insert(hash) }
        }
        if let error = pool.withLock({ $0.admit(transaction) }) { throw error }
        // After the pool's lock, as in `finish`.
        if let wake = admissionWaiter.withLock({ $0.take() }) { wake() }
        return hash
    }

    /// Admits encoded transactions; `result[i]` is the hash of `batch[i]` or why it was refused.
    /// Within a batch, each sender's transactions are admitted in nonce order whatever their
    /// order in the batch, so a sequence n, n+1, ... can arrive together.
    public func add(batch: [[UInt8]]) async -> [Result<Hash, MempoolError>] {
        guard batch.count <= Self.batchCountMax else {
            return batch.map { _ in .failure(.batchTooLarge(count: batch.count, countMax: Self.batchCountMax)) }
        }
        let parameters = pool.withLock { $0.ledger.parameters }
        return await admit(batch.map { Self.decode($0, parameters: parameters) })
    }

    /// Steps 2, 4 and 5 of admission for transactions that passed 1 and 3 (or why each did not);
    /// the signatures not checked before are checked in parallel batches.
    private func admit(_ decoded: [Result<Transaction, MempoolError>]) async -> [Result<Hash, MempoolError>] {
        var screened = screen(decoded)
        let unknown = unverifiedSignatures(screened.candidates)
        let checked = await SignatureBatch.verify(unknown.map(\.transaction))
        settle(&screened, unknown: unknown, checked: checked)
        return finish(screened)
    }

    /// A batch on its way through admission: each transaction's result once it has one, and
    /// the candidates still to be admitted.
    private struct Screening {
        var results: [Result<Hash, MempoolError>?]
        var candidates: [(index: Int, transaction: Transaction)]
    }

    /// Step 4's outcome: candidates with a bad signature get their refusal; the good signatures
    /// checked now are remembered.
    private func settle(_ screening: inout Screening, unknown: [(index: Int, transaction: Transaction)], checked: [Bool]) {
        var bad = Set<Int>()
        verifiedSignatures.withLock { verified in
            for (candidate, isValid) in zip(unknown, checked) {
                if isValid {
                    verified.insert(candidate.transaction.hash)
                } else {
                    bad.insert(candidate.index)
                    screening.results[candidate.index] = .failure(.rejected(.badSignature))
                }
            }
        }
        screening.candidates.removeAll { bad.contains($0.index) }
    }

    /// Step 2: the decoding and stateless failures get their results; duplicates, within the
    /// batch or of what is already held, are refused before any signature is checked.
    private func screen(_ decoded: [Result<Transaction, MempoolError>]) -> Screening {
        var screening = Screening(results: Array(repeating: nil, count: decoded.count), candidates: [])
        var seen: Set<Hash> = []
        for (index, outcome) in decoded.enumerated() {
            switch outcome {
            case .failure(let error):
                screening.results[index] = .failure(error)
            case .success(let transaction):
                if seen.insert(transaction.hash).inserted {
                    screening.candidates.append((index, transaction))
                } else {
                    screening.results[index] = .failure(.duplicate(transaction.hash))
                }
            }
        }
        screening.candidates = pool.withLock { pool in
            screening.candidates.filter { candidate in
                guard pool.contains(candidate.transaction.hash) else { return true }
                screening.results[candidate.index] = .failure(.duplicate(candidate.transaction.hash))
                return false
            }
        }
        return screening
    }

    /// The candidates whose signatures still need a check: those this node has not verified before.
    private func unverifiedSignatures(_ candidates: [(index: Int, transaction: Transaction)]) -> [(index: Int, transaction: Transaction)] {
        verifiedSignatures.withLock { verified in candidates.filter { !verified.contains($0.transaction.hash) } }
    }

    /// Step 5, under the lock, each sender's transactions in nonce order; then wakes whoever
    /// waits for an admission (`wakeOnNextAdmission`).
    private func finish(_ screening: Screening) -> [Result<Hash, MempoolError>] {
        var results = screening.results
        // Stable: equal nonces keep batch order.
        let admissible = screening.candidates.enumerated()
            .sorted { ($0.element.transaction.nonce, $0.offset) < ($1.element.transaction.nonce, $1.offset) }
            .map(\.element)
        var admittedAny = false
        pool.withLock { pool in
            for candidate in admissible {
                if let error = pool.admit(candidate.transaction) {
                    results[candidate.index] = .failure(error)
                } else {
                    results[candidate.index] = .success(candidate.transaction.hash)
                    admittedAny = true
                }
            }
        }
        // After the pool's lock: a waiter registered before this admission is woken by it; one
        // registered after saw the pool hold it (see `wakeOnNextAdmission`).
        if admittedAny, let wake = admissionWaiter.withLock({ $0.take() }) { wake() }
        return results.map { $0 ?? .failure(Self.unprocessed) }
    }

    /// Calls `wake` once, right after the next admission: how an engine with nothing to put in
    /// a block (a height held back on an idle chain, an empty block being mined) hears of the
    /// first transaction without a message for every one. With `unlessHolding`, nothing is
    /// registered and false returned when the pool already holds transactions. A later call
    /// replaces the waiter.
    @discardableResult
    public func wakeOnNextAdmission(unlessHolding: Bool, _ wake: @escaping @Sendable () -> Void) -> Bool {
        // The waiter's lock is held across the pool's count, and `finish` takes it after the
        // pool's: an admission is either counted here or sees the waiter.
        admissionWaiter.withLock { waiter in
            if unlessHolding, pool.withLock({ $0.count }) > 0 { return false }
            waiter = wake
            return true
        }
    }

    /// A dry run of `add`: the same checks in the same order (but for the pool's capacity),
    /// then the ledger's verdict on the payload; nothing is admitted and nothing recorded.
    public func check(_ bytes: [UInt8]) async -> Result<AdmissionVerdict, MempoolError> {
        let parameters = pool.withLock { $0.ledger.parameters }
        let transaction: Transaction
        switch Self.decode(bytes, parameters: parameters) {
        case .failure(let error): return .failure(error)
        case .success(let decoded): transaction = decoded
        }
        if contains(transaction.hash) { return .failure(.duplicate(transaction.hash)) }
        let isKnownGood = verifiedSignatures.withLock { $0.contains(transaction.hash) }
        if !isKnownGood, await SignatureBatch.verify([transaction]) != [true] { return .failure(.rejected(.badSignature)) }
        return pool.withLock { pool -> Result<AdmissionVerdict, MempoolError> in
            if let error = pool.check(transaction) { return .failure(error) }
            return .success(AdmissionVerdict(hash: transaction.hash, payloadError: pool.payloadVerdict(transaction)))
        }
    }

    /// Never returned: every path above sets a result. A value rather than a trap, because
    /// this code is reached from the network.
    private static let unprocessed = MempoolError.malformed(DecodeError(.invalid("not processed"), field: "tx", offset: 0))

    /// Size check, decoding, hash and the stateless rules: everything before the signature.
    static func decode(_ bytes: [UInt8], parameters: LedgerParameters) -> Result<Transaction, MempoolError> {
        // Before decoding, so that oversized input costs no decoding.
        if let refusal = sizeRefusal(bytes.count) { return .failure(refusal) }
        let transaction: Transaction
        do {
            transaction = try Transaction(canonicalBytes: bytes)
        } catch {
            return .failure(.malformed(error))
        }
        return statelessCheck(transaction, parameters: parameters)
    }

    /// Step 1's size limit, on a transaction's encoding.
    static func sizeRefusal(_ bytesCount: Int) -> MempoolError? {
        bytesCount <= CodecLimits.transactionBytesMax ? nil : .tooLarge(bytes: bytesCount, bytesMax: CodecLimits.transactionBytesMax)
    }

    /// Step 3, the stateless rules.
    static func statelessCheck(_ transaction: Transaction, parameters: LedgerParameters) -> Result<Transaction, MempoolError> {
        if let error = TransactionPool.checkStateless(transaction, parameters: parameters) { return .failure(error) }
        return .success(transaction)
    }

    /// Transactions for a proposal: at most `maxCount` whose encodings total at most
    /// `maxBytes`, highest fee first, nonce order per sender, senders with equal fees taking
    /// turns (see `TransactionPool.reap`).
    /// They stay in the pool until `update` sees them committed.
    public func reap(maxBytes: Int, maxCount: Int) -> [Transaction] {
        pool.withLock { $0.reap(bytesMax: maxBytes, countMax: maxCount) }
    }

    /// After a block is committed: removes its transactions, adopts the ledger as it is after
    /// the block, and drops pending transactions that no longer pass against it.
    @discardableResult
    public func update(committed transactions: [Transaction], ledger: Ledger) -> MempoolUpdate {
        let hashes = transactions.map(\.hash)
        return pool.withLock { $0.update(committed: hashes, ledger: ledger) }
    }

    /// The hashes among `transactions` whose signatures this node already verified (held in
    /// the pool, or recorded), for block validation and `Ledger.execute(verifiedTransactions:)`.
    public func verifiedHashes(in transactions: [Transaction]) -> Set<Hash> {
        let hashes = transactions.map(\.hash)
        let held = pool.withLock { pool in Set(hashes.filter { pool.contains($0) }) }
        return verifiedSignatures.withLock { verified in held.union(hashes.filter { verified.contains($0) }) }
    }

    /// Remembers transactions whose signatures were verified elsewhere (a proposal's block),
    /// so that neither execution nor a later gossiped copy checks them again.
    public func recordVerified(_ hashes: Set<Hash>) {
        verifiedSignatures.withLock { verified in
            for hash in hashes { verified.insert(hash) }
        }
    }

    /// For tests: nil when every invariant of the pool holds, else the first broken one.
    func invariantViolation() -> String? { pool.withLock { $0.checkInvariants() } }
}
