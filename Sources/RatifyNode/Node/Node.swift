import Foundation
import Logging
import Prometheus
import RatifyCore
import RatifyNet
import RatifyStore
import ServiceLifecycle

/// Why a node home cannot be started. One line each, naming what and where.
public struct NodeStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A node assembled from its home, whatever its genesis's mode: config, genesis, keys, store,
/// peers, mempool, the engine the genesis names (`ChainEngine`: proof of stake, or proof of work
/// with or without hybrid finality), the RPC and the metrics endpoint. `ratify start` runs one;
/// integration tests run several as child processes.
public final class Node: Service {
    public let home: NodeHome
    let config: NodeConfig
    let engine: any ChainEngine
    let peers: PeerManager
    let store: NodeStore
    let queries: NodeQueries
    let pruner: BlockPruner?
    let metricsRegistry: PrometheusCollectorRegistry
    let bindEndpoints: NodeEndpointBinder
    let logger: Logger

    private init(home: NodeHome, config: NodeConfig, engine: any ChainEngine, peers: PeerManager, store: NodeStore,
                 queries: NodeQueries, pruner: BlockPruner?, metricsRegistry: PrometheusCollectorRegistry,
                 bindEndpoints: @escaping NodeEndpointBinder, logger: Logger) {
        self.home = home
        self.config = config
        self.engine = engine
        self.peers = peers
        self.store = store
        self.queries = queries
        self.pruner = pruner
        self.metricsRegistry = metricsRegistry
        self.bindEndpoints = bindEndpoints
        self.logger = logger
    }

    /// Loads and checks everything in `home`, opens the store (refusing one made from another
    /// genesis, in use by another process, or damaged), recovers the engine the genesis names
    /// from it, and builds the parts around it. `metricsRegistry` is what the metrics endpoint
    /// serves; `ratify start` also bootstraps swift-metrics' global system over it, which is how
    /// RatifyNet reports.
    public static func open(home: NodeHome, logger: Logger,
                            metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                            endpoints bindEndpoints: @escaping NodeEndpointBinder) throws -> Node {
        let config: NodeConfig, genesis: Genesis, signer: ValidatorSigner, nodeKey: KeyPair
        do {
            config = try home.loadConfig()
            genesis = try home.loadGenesis()
            nodeKey = try home.loadNodeKey()
            if genesis.mode == .pow, config.privValidator.listenAddress != nil {
                throw NodeStartError("\(home.configFile): priv_validator.laddr: a pow node casts no votes, so a remote signer would have nothing to sign; its config/validator_key.json only names the address its mined blocks pay (leave laddr empty)")
            }
            signer = try ValidatorSigner.load(home: home, config: config.privValidator, chainID: genesis.chainID,
                                              nodeKey: nodeKey, logger: logger)
        } catch let error as NodeStartError {
            throw error
        } catch {
            throw NodeStartError("\(error)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        do {
            let recovered: RecoveredEngine = switch genesis.mode {
            case .pos: try ProofOfStakeEngine.recover(genesis: genesis, config: config, store: store, signer: signer, logger: logger)
            case .pow, .hybrid: try ProofOfWorkEngine.recover(genesis: genesis, config: config, store: store, signer: signer, logger: logger)
            }
            let peers = PeerManager(config: config.p2p.netConfig(chainID: genesis.chainID, nodeKey: nodeKey), logger: logger,
                                    verifier: recovered.verifier)
            let mempool = recovered.mempool
            let waiters = TransactionWaiters(waitersMax: 10_000)
            let (metrics, registry) = NodeMetrics.prometheus(registry: metricsRegistry, kind: recovered.metricsKind)
            let engine = recovered.make(EngineParts(store: store, peers: peers, waiters: waiters,
                                                    metrics: metrics, logger: logger))
            // Looked up here, before serving (it runs git once), not inside a request.
            let context = NodeQueryContext(nodeID: nodeKey.publicKey.address, moniker: config.moniker,
                                           validatorPublicKey: signer.publicKey, build: BuildInfo.current, store: store,
                                           mempool: mempool, peers: peers, config: config)
            var ready: Logger.Metadata = [
                "moniker": "\(config.moniker)", "node_id": "\(nodeKey.publicKey.address.hex)", "chain_id": "\(genesis.chainID)",
            ]
            ready.merge(recovered.readyMetadata) { _, engine in engine }
            ready["home"] = "\(home.root)"
            logger.info("node ready", metadata: ready)
            return Node(home: home, config: config, engine: engine, peers: peers, store: store,
                        queries: queries(of: engine, context: context, waiters: waiters), pruner: recovered.pruner,
                        metricsRegistry: registry, bindEndpoints: bindEndpoints, logger: logger)
        } catch {
            store.close()
            throw error
        }
    }

    /// The engine's chain questions, and what every engine answers alike: accounts, staking,
    /// stored transactions (unless the engine answers itself), submissions (relayed once admitted), the waiters, events and peers.
    static func queries(of engine: any ChainEngine, context: NodeQueryContext, waiters: TransactionWaiters) -> NodeQueries {
        var queries = engine.chainQueries(context)
        let mempool = context.mempool, peers = context.peers
        queries.account = { await engine.account($0) }
        queries.stakingValidators = { await engine.stakingValidators() }
        queries.transaction = queries.transaction ?? NodeQueries.storedTransaction(in: context.store)
        // The engine is not told: one waiting for a transaction hears from the mempool
        // (`Mempool.wakeOnNextAdmission`).
        queries.submit = NodeQueries.submitting(to: mempool) { transaction in
            peers.broadcast(admitted: transaction)
        }
        queries.checkTransaction = { await mempool.check($0) }
        queries.waiters = waiters
        queries.events = engine.events
        queries.netInfo = NetInfo.of(peers)
        let snapshots = SnapshotStore(dataDirectory: context.store.environment.path)
        queries.snapshots = { snapshots.list() }
        queries.snapshotChunk = { height, index in try snapshots.chunk(height: height, index: index) }
        // Test-only behaviour exists in debug (test) builds only: a release node never serves a bad chunk.
        #if DEBUG
        if ProcessInfo.processInfo.environment["RATIFY_TEST_CORRUPT_SNAPSHOT_CHUNKS"] == "1" {
            queries.snapshotChunk = { height, index in
                guard var bytes = try snapshots.chunk(height: height, index: index), !bytes.isEmpty else { return nil }
                bytes[bytes.count / 2] ^= 0xFF
                return bytes
            }
        }
        #endif
        return queries
    }

    /// Runs until a graceful shutdown (SIGINT/SIGTERM through the service group) or a fatal
    /// store error, then stops the servers and the network and closes the store, which
    /// reopens cleanly.
    public func run() async throws {
        try await NodeServing(config: config, queries: queries, metricsRegistry: metricsRegistry,
                              bindEndpoints: bindEndpoints, peers: peers, store: store,
                              logger: logger, pruner: pruner).run(engine: engine)
    }
}
