import RatifyCore
import RatifyPoW
import RatifyStore

/// How the RPC reaches the node: one async closure per question, each optional. The consensus
/// driver fills them from its store, ledger and mempool; tests fill them from an in-memory
/// chain. An endpoint whose closure is nil answers 503 saying what is not wired.
public struct NodeQueries: Sendable {
    /// Admits an encoded transaction on the calling thread: its hash, or why it was refused.
    public typealias Submit = @Sendable ([UInt8]) -> Result<Hash, MempoolError>

    public var status: (@Sendable () async -> NodeStatus)?
    /// The block at a height, nil when there is none (yet).
    public var block: (@Sendable (Height) async -> Block?)?
    /// Proof-of-work chains: the best chain's block at a height (`/block` answers with it
    /// instead of `block`).
    public var powBlock: (@Sendable (Height) async -> PoWBlock?)?
    /// The commit that finalized a height, nil when there is none (yet).
    public var commit: (@Sendable (Height) async -> Commit?)?
    /// The validator set that decides a height, nil when unknown.
    public var validators: (@Sendable (Height) async -> ValidatorSet?)?
    /// The account at the latest height.
    public var account: (@Sendable (Address) async -> AccountInfo)?
    /// Every registered validator in the ledger at the latest height (active or not).
    public var stakingValidators: (@Sendable () async -> [StakingValidatorInfo])?
    /// Where a final transaction is, nil when not (yet) final.
    public var transaction: (@Sendable (Hash) async -> TransactionLocation?)?
    /// Admits an encoded transaction on the calling thread (the mempool's `addDecoding`).
    public var submit: Submit?
    /// Checks an encoded transaction as `submit` would, admitting nothing (the mempool's `check`).
    public var checkTransaction: (@Sendable ([UInt8]) async -> Result<AdmissionVerdict, MempoolError>)?
    /// Tickets for `POST /tx?wait=final`; the driver reports final transactions to it.
    public var waiters: TransactionWaiters?
    /// Finalized blocks and transactions as they happen (`GET /events`).
    public var events: NodeEvents?
    /// The p2p listeners and connected peers (`GET /net_info`).
    public var netInfo: (@Sendable () async -> NetInfo)?
    /// The state snapshots this node serves, newest first (`GET /snapshots`).
    public var snapshots: (@Sendable () async -> [SnapshotManifest])?
    /// One chunk of a served snapshot, checked against its manifest; nil when there is no such
    /// snapshot or chunk; throws when the file on disk is damaged (`GET /snapshot_chunk`).
    public var snapshotChunk: (@Sendable (_ height: UInt64, _ index: Int) async throws -> [UInt8]?)?

    public init(status: (@Sendable () async -> NodeStatus)? = nil, block: (@Sendable (Height) async -> Block?)? = nil,
                commit: (@Sendable (Height) async -> Commit?)? = nil,
                validators: (@Sendable (Height) async -> ValidatorSet?)? = nil,
                account: (@Sendable (Address) async -> AccountInfo)? = nil,
                stakingValidators: (@Sendable () async -> [StakingValidatorInfo])? = nil,
                transaction: (@Sendable (Hash) async -> TransactionLocation?)? = nil,
                submit: Submit? = nil,
                checkTransaction: (@Sendable ([UInt8]) async -> Result<AdmissionVerdict, MempoolError>)? = nil,
                waiters: TransactionWaiters? = nil, events: NodeEvents? = nil,
                netInfo: (@Sendable () async -> NetInfo)? = nil) {
        self.status = status
        self.block = block
        self.commit = commit
        self.validators = validators
        self.account = account
        self.stakingValidators = stakingValidators
        self.transaction = transaction
        self.submit = submit
        self.checkTransaction = checkTransaction
        self.waiters = waiters
        self.events = events
        self.netInfo = netInfo
    }

    /// `submit` backed by a mempool; an admitted transaction is handed to `admitted` (a node
    /// gossips it).
    public static func submitting(to mempool: Mempool, admitted: @escaping @Sendable (Transaction) -> Void = { _ in })
        -> Submit {
        { bytes in
            let transaction: Transaction
            do throws(MempoolError) { transaction = try mempool.addDecoding(bytes) } catch { return .failure(error) }
            admitted(transaction)
            return .success(transaction.hash)
        }
    }

    /// `transaction` backed by a node's store: where a final transaction is.
    static func storedTransaction(in store: NodeStore) -> @Sendable (Hash) async -> TransactionLocation? {
        { hash in
            guard let found = try? store.blocks.transactionLocation(hash: hash) else { return nil }
            return TransactionLocation(hash: hash, height: found.height, index: found.index, code: found.code, log: found.log)
        }
    }
}
