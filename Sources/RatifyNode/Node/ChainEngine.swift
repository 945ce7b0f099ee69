import Logging
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyStore

/// What a node runs for its chain: the proof-of-stake engine (`NodeDriver`, Tendermint
/// consensus) or the proof-of-work engine (`PoWDriver`, mining and fork choice, with checkpoint
/// finality on a hybrid chain). `Node` opens everything an engine shares with the other (home,
/// store, peers, mempool, waiters, metrics, the RPC and metrics endpoints) once, and hands the
/// engine the network's messages through this interface; an engine that waits for a transaction
/// hears of it from the mempool (`Mempool.wakeOnNextAdmission`).
protocol ChainEngine: Actor {
    /// After the network is up, before the first message: recovery that needs the network
    /// (replaying the WAL and re-sending signed votes, moving to the most-work tip), then the
    /// engine's own loops (timers, mining).
    func start() async throws
    /// One message from a peer, already checked by the network for its frame, MAC, chain id
    /// and, where the engine's verifier judged it, its signature.
    func receive(_ inbound: InboundMessage) async
    /// Why the engine stopped for good (the store refused a write), nil while it runs.
    var stopReason: String? { get }
    /// After the serving loop ends, before the servers close and the store closes: what must be
    /// stored is stored, background work stops.
    func shutdown() async
    func account(_ address: Address) -> AccountInfo
    func stakingValidators() -> [StakingValidatorInfo]
    /// Finalized blocks and transactions for `GET /events`.
    nonisolated var events: NodeEvents { get }
    /// The engine's answers to the RPC's chain questions (`status`, and the block queries of
    /// its kind of chain); `Node` fills in the rest, which every engine answers alike.
    nonisolated func chainQueries(_ node: NodeQueryContext) -> NodeQueries
}

/// What an engine's queries may read besides the engine itself.
struct NodeQueryContext: Sendable {
    var nodeID: Address
    var moniker: String
    var validatorPublicKey: PublicKey
    var build: BuildInfo
    var store: NodeStore
    var mempool: Mempool
    var peers: PeerManager
    var config: NodeConfig
}

/// An engine read back from the store, before the parts it shares with the node exist: the
/// mempool checks against its `ledger`, the network judges with its `verifier`, the metrics
/// are those of its kind; `make` then builds the engine over those parts.
struct RecoveredEngine {
    /// Made over the recovered ledger; the engine's verifier may admit peers' transactions to it.
    var mempool: Mempool
    var verifier: MessageVerifier
    var metricsKind: NodeMetrics.Kind
    /// What the "node ready" line says of this engine beyond what every node says.
    var readyMetadata: Logger.Metadata
    /// Background block pruning (`[storage] retain_blocks`); nil keeps every block.
    var pruner: BlockPruner?
    var make: (EngineParts) -> any ChainEngine
}

/// The parts an engine shares with its node.
struct EngineParts {
    var store: NodeStore
    var peers: PeerManager
    var waiters: TransactionWaiters
    var metrics: NodeMetrics
    var logger: Logger
}
