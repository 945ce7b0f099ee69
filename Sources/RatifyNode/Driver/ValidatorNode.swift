import Foundation
import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyStore
import Prometheus
import ServiceLifecycle

/// Why a node home cannot be started. One line each, naming what and where.
public struct NodeStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A node assembled from its home: config, genesis, keys, store, peers, the driver, the RPC
/// and the metrics endpoint. `ratify start` runs one; integration tests run several as
/// child processes.
public final class ValidatorNode: Service {
    /// RATIFY_CLOCK_OFFSET_MS beyond a day is refused: it is a fault to inject, not a clock.
    static let clockOffsetMillisMax: Int64 = 86_400_000

    public let home: NodeHome
    public let driver: NodeDriver
    let config: NodeConfig
    let peers: PeerManager
    let store: NodeStore
    let mempool: Mempool
    let waiters: TransactionWaiters
    let metricsRegistry: PrometheusCollectorRegistry
    let bindEndpoints: NodeEndpointBinder
    let nodeID: Address
    let validatorPublicKey: PublicKey
    let logger: Logger

    private init(home: NodeHome, config: NodeConfig, driver: NodeDriver, peers: PeerManager, store: NodeStore, mempool: Mempool,
                 waiters: TransactionWaiters, metricsRegistry: PrometheusCollectorRegistry, bindEndpoints: @escaping NodeEndpointBinder, nodeID: Address,
                 validatorPublicKey: PublicKey, logger: Logger) {
        self.home = home
        self.config = config
        self.driver = driver
        self.peers = peers
        self.store = store
        self.mempool = mempool
        self.waiters = waiters
        self.metricsRegistry = metricsRegistry
        self.bindEndpoints = bindEndpoints
        self.nodeID = nodeID
        self.validatorPublicKey = validatorPublicKey
        self.logger = logger
    }

    /// Loads and checks everything in `home`, opens the store (refusing one made from another
    /// genesis, in use by another process, or damaged) and recovers the chain tip.
    /// `metricsRegistry` is what the metrics endpoint serves; `ratify start` also bootstraps
    /// swift-metrics' global system over it, which is how RatifyNet reports.
    public static func open(home: NodeHome, logger: Logger,
                            metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                            endpoints bindEndpoints: @escaping NodeEndpointBinder) throws -> ValidatorNode {
        let config: NodeConfig, genesis: Genesis, validatorSigner: ValidatorSigner, nodeKey: KeyPair
        do {
            config = try home.loadConfig()
            genesis = try home.loadGenesis()
            nodeKey = try home.loadNodeKey()
            validatorSigner = try ValidatorSigner.load(home: home, config: config.privValidator, chainID: genesis.chainID,
                                                       nodeKey: nodeKey, logger: logger)
        } catch {
            throw NodeStartError("\(error)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        do {
            let (ledger, chain, lastCommit) = try recover(genesis: genesis, store: store)
            try refuseSignerStateBehindWAL(store: store, height: chain.nextHeight, validator: validatorSigner.publicKey.address)
            var settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: ConsensusParameters(genesis.consensus),
                                               heartbeatMillis: genesis.consensus.heartbeatMillis)
            if ProcessInfo.processInfo.environment["RATIFY_TEST_DOUBLE_SIGN"] == "1" {
                // Test-only behaviour exists in debug (test) builds only: a release node never double-signs.
                #if DEBUG
                settings.doubleSignForTesting = true
                logger.critical("RATIFY_TEST_DOUBLE_SIGN=1: this validator will double-sign every prevote and be slashed; tests only")
                #else
                logger.warning("RATIFY_TEST_DOUBLE_SIGN is ignored: it exists in debug (test) builds only")
                #endif
            }
            if let text = ProcessInfo.processInfo.environment["RATIFY_CLOCK_OFFSET_MS"] {
                guard let offset = Int64(text), abs(offset) <= Self.clockOffsetMillisMax else {
                    throw NodeStartError("RATIFY_CLOCK_OFFSET_MS: expected whole milliseconds within ±\(Self.clockOffsetMillisMax), got \"\(text)\"")
                }
                settings.clockOffsetMillis = offset
                logger.warning("RATIFY_CLOCK_OFFSET_MS=\(offset): this node's wall clock is shifted for fault injection")
            }
            let netConfig = config.p2p.netConfig(chainID: genesis.chainID, nodeKey: nodeKey)
            // Votes, proposals and evidence are verified before the network relays or keeps
            // them, once (the driver takes the result); transactions by the mempool, in
            // parallel batches, before the driver relays them.
            let gossip = GossipVerifier(chain: chain, ledger: ledger)
            let peers = PeerManager(config: netConfig, logger: logger, verifier: gossip.messageVerifier)
            let mempool = Mempool(limits: MempoolLimits(config.mempool), ledger: ledger)
            let waiters = TransactionWaiters(waitersMax: 10_000)
            let (metrics, registry) = NodeMetrics.prometheus(registry: metricsRegistry, kind: .proofOfStake)
            let driver = NodeDriver(settings: settings, store: store, peers: peers, gossip: gossip, mempool: mempool, waiters: waiters,
                                    metrics: metrics, validatorSigner: validatorSigner, ledger: ledger, chain: chain,
                                    lastCommit: lastCommit, logger: logger)
            if config.storage.retainBlocks > 0 && config.storage.retainBlocks < genesis.staking.evidenceMaxAgeBlocks {
                logger.warning("storage.retain_blocks keeps fewer heights than evidence may name", metadata: [
                    "retain_blocks": "\(config.storage.retainBlocks)", "evidence_max_age_blocks": "\(genesis.staking.evidenceMaxAgeBlocks)",
                ])
            }
            logger.info("node ready", metadata: [
                "moniker": "\(config.moniker)", "node_id": "\(nodeKey.publicKey.address.hex)", "chain_id": "\(genesis.chainID)",
                "height": "\(chain.nextHeight)", "validator": "\(chain.validators.contains(validatorSigner.publicKey.address))",
                "home": "\(home.root)",
            ])
            return ValidatorNode(home: home, config: config, driver: driver, peers: peers, store: store, mempool: mempool,
                                 waiters: waiters, metricsRegistry: registry, bindEndpoints: bindEndpoints, nodeID: nodeKey.publicKey.address,
                                 validatorPublicKey: validatorSigner.publicKey, logger: logger)
        } catch {
            store.close()
            throw error
        }
    }

    /// The ledger, chain tip and last commit after the last stored block (or the genesis).
    /// The stored state must hash to the stored app hash, or the data directory is damaged.
    static func recover(genesis: Genesis, store: NodeStore) throws -> (Ledger, ChainState, Commit?) {
        let (ledger, chain, lastCommit) = try recoverStored(genesis: genesis, store: store)
        return try reexecuteRolledBack(store: store, ledger: ledger, chain: chain) ?? (ledger, chain, lastCommit)
    }

    static func recoverStored(genesis: Genesis, store: NodeStore) throws -> (Ledger, ChainState, Commit?) {
        let latest = try store.blocks.latestHeight()
        let damaged = "the data directory is damaged: \(NodeHome.damagedStoreAdvice)"
        if latest == 0 {
            let ledger = Ledger.genesis(genesis)
            let chain = try ChainState.genesis(genesis, ledger: ledger)
            try store.blocks.storeValidatorSets([(1, chain.validators.canonicalBytes), (2, chain.nextValidators.canonicalBytes)])
            return (ledger, chain, nil)
        }
        let state: LedgerState
        do {
            state = try LedgerState.load(from: store.state.allEntries().map { (key: $0.key, value: $0.value) })
        } catch {
            throw NodeStartError("\(store.environment.path): \(error); \(damaged)")
        }
        guard state.height == latest, let storedAppHash = try store.state.appHash(height: latest), storedAppHash == state.appHash else {
            throw NodeStartError("\(store.environment.path): the stored ledger state does not match block \(latest)'s app hash; \(damaged)")
        }
        guard let block = try store.blocks.block(height: latest), let commit = try store.blocks.commit(height: latest),
              let previous = try store.blocks.validatorSet(height: latest),
              let current = try store.blocks.validatorSet(height: latest + 1),
              let next = try store.blocks.validatorSet(height: latest + 2) else {
            throw NodeStartError("\(store.environment.path): block \(latest), its commit or the validator sets after it are missing; \(damaged)")
        }
        let ledger = Ledger(parameters: LedgerParameters(genesis: genesis), state: state)
        let chain = ChainState(chainID: genesis.chainID, lastBlockHeight: latest, lastBlockID: block.id,
                               lastBlockTimeMillis: block.header.timeMillis, appHash: state.appHash, validators: current,
                               nextValidators: next, lastValidators: previous, blockParams: genesis.block)
        return (ledger, chain, commit)
    }

    /// What the RPC answers from: the store for history, the driver for the tip and the ledger.
    func queries() -> NodeQueries {
        let store = self.store, driver = self.driver, mempool = self.mempool, peers = self.peers
        let nodeID = self.nodeID, moniker = config.moniker, validatorPublicKey = self.validatorPublicKey
        // Looked up here, before serving (it runs git once), not inside a request.
        let build = BuildInfo.current
        return NodeQueries(
            status: {
                // Read before the chain: pruning follows the store's latest height, which may run ahead
                // of the driver's stored chain while this closure waits for the driver, never behind it.
                let earliest = (try? store.blocks.earliestHeight()) ?? BlockStore.heightFirst
                let chain = await driver.storedChain
                let power = chain.validators.validator(at: validatorPublicKey.address)?.votingPower ?? 0
                var status = NodeStatus(nodeID: nodeID, moniker: moniker, chainID: chain.chainID, latestHeight: chain.lastBlockHeight,
                                        latestBlockHash: chain.lastBlockHeight > 0 ? chain.lastBlockID.hash : nil,
                                        latestAppHash: chain.appHash, latestBlockTimeMillis: chain.lastBlockTimeMillis,
                                        catchingUp: await driver.catchingUp, validatorPublicKey: validatorPublicKey,
                                        votingPower: power, build: build)
                status.feeMin = mempool.feeMin
                status.earliestHeight = min(earliest, chain.lastBlockHeight)
                let nowMillis = UInt64(max(await driver.nowMillis(), 0))
                status.latestBlockAgeMillis = nowMillis > chain.lastBlockTimeMillis ? nowMillis - chain.lastBlockTimeMillis : 0
                status.peerCount = peers.connectedPeers.count
                // Only a sole validator running alone makes blocks without peers.
                status.peersRequired = !(chain.validators.count == 1 && power > 0)
                return status
            },
            block: { try? store.blocks.block(height: $0) },
            commit: { try? store.blocks.commit(height: $0) },
            validators: { try? store.blocks.validatorSet(height: $0) },
            account: { await driver.account($0) },
            stakingValidators: { await driver.stakingValidators() },
            transaction: NodeQueries.storedTransaction(in: store),
            submit: NodeQueries.submitting(to: mempool) { transaction in
                peers.broadcast(.transaction(transaction))
                await driver.transactionAdded()
            },
            checkTransaction: { await mempool.check($0) },
            waiters: waiters, events: driver.events, netInfo: NetInfo.of(peers))
    }

    /// The background pruner `[storage] retain_blocks` asks for, nil when it keeps everything.
    func pruner() -> BlockPruner? {
        guard config.storage.retainBlocks > 0 else { return nil }
        return BlockPruner(blocks: store.blocks, retainBlocks: config.storage.retainBlocks, logger: logger)
    }

    /// Runs until a graceful shutdown (SIGINT/SIGTERM through the service group) or a fatal
    /// store error, then stops the servers and the network and closes the store, which
    /// reopens cleanly.
    public func run() async throws {
        let driver = self.driver
        try await NodeServing(config: config, queries: queries(), metricsRegistry: metricsRegistry,
                              bindEndpoints: bindEndpoints, peers: peers, store: store,
                              logger: logger, pruner: pruner()).run(
            startDriver: { try await driver.start() },
            receive: { message in
                await driver.receive(message)
                return await driver.stopReason
            },
            // Decided blocks waiting for the next signature are stored before the store closes.
            stopDriver: { _ = await driver.storeDecisions() },
            stopReason: { await driver.stopReason })
    }
}

extension ConsensusParameters {
    /// The core's timeouts from the genesis `consensus` section.
    public init(_ genesis: ConsensusParams) {
        self.init(timeoutProposeBaseMillis: genesis.timeoutProposeMillis, timeoutProposeDeltaMillis: genesis.timeoutProposeDeltaMillis,
                  timeoutPrevoteBaseMillis: genesis.timeoutPrevoteMillis, timeoutPrevoteDeltaMillis: genesis.timeoutPrevoteDeltaMillis,
                  timeoutPrecommitBaseMillis: genesis.timeoutPrecommitMillis,
                  timeoutPrecommitDeltaMillis: genesis.timeoutPrecommitDeltaMillis, commitWaitMillis: genesis.timeoutCommitMillis)
    }
}
