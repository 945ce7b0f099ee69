import Foundation
import Logging
import Prometheus
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyPoW
import RatifyStore
import ServiceLifecycle

/// A node of a `mode: "pow"` or `mode: "hybrid"` chain, assembled from its home like
/// `ValidatorNode`: config, genesis, keys, store, peers, the `PoWDriver`, the RPC and the
/// metrics endpoint. The validator key's address receives the rewards of the blocks this node
/// mines; on a hybrid chain the same key casts checkpoint votes while it is in the staking
/// ledger's active set, from the key file or through a remote signer (`[priv_validator] laddr`).
public final class PoWNode: Service {
    public let home: NodeHome
    public let driver: PoWDriver
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

    private init(home: NodeHome, config: NodeConfig, driver: PoWDriver, peers: PeerManager, store: NodeStore, mempool: Mempool,
                 waiters: TransactionWaiters, metricsRegistry: PrometheusCollectorRegistry, bindEndpoints: @escaping NodeEndpointBinder, nodeID: Address, validatorPublicKey: PublicKey,
                 logger: Logger) {
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

    /// The tree's rules and root from the genesis.
    static func emptyTree(_ genesis: Genesis) -> BlockTree {
        let timeMillis = genesis.genesisTime.unixSeconds &* 1_000 &+ Int64(genesis.genesisTime.nanos / 1_000_000)
        return BlockTree(genesisHash: PoWHash(raw: genesis.genesisHash.raw),
                         genesisTimeSeconds: UInt32(clamping: genesis.genesisTime.unixSeconds),
                         genesisBits: CompactTarget(bits: genesis.pow.initialBits),
                         rules: BlockTree.Rules(schedule: DifficultySchedule(params: genesis.pow, genesisTimeMillis: timeMillis)))
    }

    public static func open(home: NodeHome, logger: Logger,
                            metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                            endpoints bindEndpoints: @escaping NodeEndpointBinder) throws -> PoWNode {
        let config: NodeConfig, genesis: Genesis, signer: ValidatorSigner, nodeKey: KeyPair
        do {
            config = try home.loadConfig()
            genesis = try home.loadGenesis()
            nodeKey = try home.loadNodeKey()
            guard genesis.mode != .pos else { throw NodeStartError("\(home.genesisFile): mode is pos, not pow or hybrid") }
            if genesis.mode == .pow, config.privValidator.listenAddress != nil {
                throw NodeStartError("\(home.configFile): priv_validator.laddr: a pow node casts no votes, so a remote signer would have nothing to sign; its config/validator_key.json only names the address its mined blocks pay (leave laddr empty)")
            }
            signer = try ValidatorSigner.load(home: home, config: config.privValidator, chainID: genesis.chainID, nodeKey: nodeKey, logger: logger)
        } catch let error as NodeStartError {
            throw error
        } catch {
            throw NodeStartError("\(error)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        do {
            let (tree, ledger, tip) = try recover(genesis: genesis, store: store, logger: logger)
            let netConfig = config.p2p.netConfig(chainID: genesis.chainID, nodeKey: nodeKey)
            // Transactions are verified by the mempool, blocks and checkpoint votes by the
            // driver, each before the driver relays it; the network relays nothing itself.
            let peers = PeerManager(config: netConfig, logger: logger, verifier: PoWDriver.messageVerifier)
            let mempool = Mempool(limits: MempoolLimits(config.mempool), ledger: ledger)
            let waiters = TransactionWaiters(waitersMax: 10_000)
            let (metrics, registry) = NodeMetrics.prometheus(registry: metricsRegistry, kind: .proofOfWork(hybrid: genesis.mode == .hybrid))
            let settings = PoWDriver.Settings(
                chainID: genesis.chainID, confirmations: genesis.pow.confirmations,
                blockBytesMax: Int(clamping: min(genesis.block.maxBytes, UInt64(PoWBlock.encodedBytesMax))),
                blockTransactionsMax: Int(clamping: min(genesis.block.maxTxs, UInt64(CodecLimits.transactionsPerBlockMax))),
                miningThreads: Int(config.pow.miningThreads))
            let finality = genesis.mode == .hybrid
                ? try checkpointFinality(genesis: genesis, ledger: ledger, store: store, signer: signer, logger: logger) : nil
            let driver = PoWDriver(settings: settings, store: store, peers: peers, mempool: mempool, waiters: waiters,
                                   metrics: metrics, minerAddress: signer.publicKey.address, tree: tree, ledger: ledger, tip: tip,
                                   finality: finality, logger: logger)
            logger.info("node ready", metadata: [
                "moniker": "\(config.moniker)", "node_id": "\(nodeKey.publicKey.address.hex)", "chain_id": "\(genesis.chainID)",
                "mode": "\(genesis.mode.rawValue)", "height": "\(tip.height)", "miner": "\(signer.publicKey.address.hex)", "home": "\(home.root)",
            ])
            return PoWNode(home: home, config: config, driver: driver, peers: peers, store: store, mempool: mempool,
                           waiters: waiters, metricsRegistry: registry, bindEndpoints: bindEndpoints, nodeID: nodeKey.publicKey.address, validatorPublicKey: signer.publicKey,
                           logger: logger)
        } catch {
            store.close()
            throw error
        }
    }

    /// The hybrid chain's checkpoint tracker and voter. The voter resumes from the signer state
    /// stored before its last vote; the tracker starts at the genesis (votes are not stored).
    static func checkpointFinality(genesis: Genesis, ledger: Ledger, store: NodeStore, signer: ValidatorSigner,
                                   logger: Logger) throws -> CheckpointFinality {
        let validators: ValidatorSet
        do {
            validators = try ValidatorSet(validators: ledger.activeValidators())
        } catch {
            throw NodeStartError("the hybrid chain has no usable validator set: \(error)")
        }
        let signed: CheckpointSignerState?
        do {
            signed = try store.checkpointSigner.lastSigned().map { CheckpointSignerState(sourceEpoch: $0.sourceEpoch, targetEpoch: $0.targetEpoch) }
        } catch {
            throw NodeStartError("\(store.environment.path): \(error)")
        }
        let requested = ProcessInfo.processInfo.environment["RATIFY_TEST_FFG_SURROUND_VOTE"] == "1"
        // Test-only behaviour exists in debug (test) builds only: a release node never casts it.
        #if DEBUG
        let surround = requested
        if surround {
            logger.critical("RATIFY_TEST_FFG_SURROUND_VOTE=1: this validator will cast a surround vote and be slashed; tests only")
        }
        #else
        let surround = false
        if requested { logger.warning("RATIFY_TEST_FFG_SURROUND_VOTE is ignored: it exists in debug (test) builds only") }
        #endif
        return CheckpointFinality(chainID: genesis.chainID, epochLengthBlocks: genesis.pow.epochLength, genesisHash: genesis.genesisHash,
                                  validators: validators, signer: signer, signed: signed, castsSurroundVote: surround)
    }

    /// The block tree from every stored block, and the ledger and tip the store last recorded.
    /// Best-chain blocks are added first, so a tie in work resolves to the stored tip again.
    static func recover(genesis: Genesis, store: NodeStore, logger: Logger) throws -> (BlockTree, Ledger, BlockTree.Node) {
        let damaged = "the data directory is damaged: \(NodeHome.damagedStoreAdvice)"
        var tree = emptyTree(genesis)
        guard let storedTip = try store.pow.tip() else {
            return (tree, Ledger.genesis(genesis), tree.genesis)
        }
        let state: LedgerState
        do {
            state = try LedgerState.load(from: store.state.allEntries().map { (key: $0.key, value: $0.value) })
        } catch {
            throw NodeStartError("\(store.environment.path): \(error); \(damaged)")
        }
        guard state.height == storedTip.height, state.appHash == storedTip.appHash else {
            throw NodeStartError("\(store.environment.path): the stored ledger state does not match the tip \(storedTip.hash)'s app hash; \(damaged)")
        }
        var best: Set<Hash> = []
        if storedTip.height > 0 {
            for height in 1...storedTip.height {
                guard let hash = try store.pow.bestHash(height: height) else {
                    throw NodeStartError("\(store.environment.path): the best chain has no block at height \(height); \(damaged)")
                }
                best.insert(hash)
            }
        }
        var blocks: [(best: Bool, block: PoWBlock)] = []
        for (hash, bytes) in try store.pow.allBlocks() {
            guard let block = try? PoWBlock(canonicalBytes: bytes) else {
                throw NodeStartError("\(store.environment.path): stored block \(hash) does not decode; \(damaged)")
            }
            blocks.append((best.contains(hash), block))
        }
        blocks.sort { ($0.best ? 0 : 1, $0.block.height) < ($1.best ? 0 : 1, $1.block.height) }
        for (isBest, block) in blocks {
            do {
                // Accepted before, so no clock: the future limit does not apply to stored blocks.
                try tree.insert(block.header, nowSeconds: .max)
            } catch {
                if isBest { throw NodeStartError("\(store.environment.path): best-chain block \(block.hash): \(error); \(damaged)") }
                logger.warning("stored block left out of the tree", metadata: ["hash": "\(block.hash)", "reason": "\(error)"])
            }
        }
        guard let tip = tree[PoWHash(raw: storedTip.hash.raw)] else {
            throw NodeStartError("\(store.environment.path): the tip \(storedTip.hash) is not among the stored blocks; \(damaged)")
        }
        return (tree, Ledger(parameters: LedgerParameters(genesis: genesis), state: state), tip)
    }

    func queries() -> NodeQueries {
        let store = self.store, driver = self.driver, mempool = self.mempool, peers = self.peers
        let nodeID = self.nodeID, moniker = config.moniker, validatorPublicKey = self.validatorPublicKey
        // Looked up here, before serving (it runs git once), not inside a request.
        let build = BuildInfo.current
        let miningThreads = Int(config.pow.miningThreads)
        var queries = NodeQueries(
            status: {
                let tip = await driver.tipInfo
                let chainID = driver.settings.chainID
                var status = NodeStatus(nodeID: nodeID, moniker: moniker, chainID: chainID, latestHeight: tip.height,
                                        latestBlockHash: tip.height > 0 ? Hash(Array(tip.hash.internalBytes.reversed())) : nil,
                                        latestAppHash: tip.appHash, latestBlockTimeMillis: UInt64(tip.timeSeconds) * 1_000,
                                        catchingUp: false, validatorPublicKey: validatorPublicKey, votingPower: 0,
                                        build: build)
                status.feeMin = mempool.feeMin
                let nowMillis = UInt64(max(PoWDriver.nowMillis(), 0))
                status.latestBlockAgeMillis = nowMillis > status.latestBlockTimeMillis ? nowMillis - status.latestBlockTimeMillis : 0
                status.peerCount = peers.connectedPeers.count
                status.pow = PoWStatus(tipHash: tip.hash.displayHex, chainWorkHex: tip.chainWork.hex, bitsHex: tip.bits.hex,
                                       finalHeight: tip.finalHeight, confirmations: driver.settings.confirmations,
                                       miningThreads: miningThreads)
                if let checkpoints = await driver.checkpoints {
                    status.pow?.latestJustified = checkpoints.justified
                    status.pow?.latestFinalized = checkpoints.finalized
                }
                return status
            },
            account: { await driver.account($0) },
            transaction: NodeQueries.storedTransaction(in: store),
            submit: NodeQueries.submitting(to: mempool) { transaction in
                peers.broadcast(.transaction(transaction))
                await driver.transactionAdded()
            },
            checkTransaction: { await mempool.check($0) },
            waiters: waiters, events: driver.events)
        queries.powBlock = { height in await driver.block(height: height) }
        queries.stakingValidators = { await driver.stakingValidators() }
        queries.netInfo = NetInfo.of(peers)
        return queries
    }

    /// Runs until a graceful shutdown or a fatal store error, like `ValidatorNode.run`.
    public func run() async throws {
        let driver = self.driver
        try await NodeServing(config: config, queries: queries(), metricsRegistry: metricsRegistry,
                              bindEndpoints: bindEndpoints, peers: peers, store: store,
                              logger: logger).run(
            startDriver: { await driver.start() },
            receive: { message in
                await driver.receive(message)
                return await driver.stopReason
            },
            stopDriver: { await driver.shutdown() },
            stopReason: { await driver.stopReason })
    }
}
