import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyStore
import ServiceLifecycle

/// Why a node home cannot be started. One line each, naming what and where.
public struct NodeStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A node assembled from its home: config, genesis, keys, store, peers and the driver.
/// `ratify start` runs one; integration tests run several as child processes.
public final class ValidatorNode: Service {
    public let home: NodeHome
    public let driver: NodeDriver
    let peers: PeerManager
    let store: NodeStore
    let logger: Logger

    private init(home: NodeHome, driver: NodeDriver, peers: PeerManager, store: NodeStore, logger: Logger) {
        self.home = home
        self.driver = driver
        self.peers = peers
        self.store = store
        self.logger = logger
    }

    /// Loads and checks everything in `home`, opens the store (refusing one made from another
    /// genesis, in use by another process, or damaged) and recovers the chain tip.
    public static func open(home: NodeHome, logger: Logger) throws -> ValidatorNode {
        let config: NodeConfig, genesis: Genesis, validatorKey: KeyPair, nodeKey: KeyPair
        do {
            config = try home.loadConfig()
            genesis = try home.loadGenesis()
            validatorKey = try home.loadValidatorKey()
            nodeKey = try home.loadNodeKey()
        } catch {
            throw NodeStartError("\(error)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        do {
            let (ledger, chain) = try recover(genesis: genesis, store: store)
            var settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: ConsensusParameters(genesis.consensus),
                                               heartbeatMillis: genesis.consensus.heartbeatMillis)
            settings.blockTransactionsMax = Int(clamping: genesis.block.maxTxs)
            settings.mempoolCapacity = Int(clamping: max(config.mempool.size, 1))
            var netConfig = NetConfig(chainID: genesis.chainID, nodeKey: nodeKey)
            netConfig.listenHost = config.p2p.listenAddress.host
            netConfig.listenPort = Int(config.p2p.listenAddress.port)
            netConfig.udpListenPort = Int(config.p2p.udpListenAddress.port)
            netConfig.persistentPeers = config.p2p.persistentPeers.map {
                RatifyNet.PeerAddress(nodeID: $0.nodeID, host: $0.endpoint.host, port: Int($0.endpoint.port))
            }
            netConfig.maxInboundPeers = Int(clamping: config.p2p.maxInboundPeers)
            netConfig.maxPeers = Int(clamping: max(config.p2p.maxPeers, 1))
            netConfig.jitterSeed = UInt64(truncatingIfNeeded: nodeKey.publicKey.raw.hashValue)
            let peers = PeerManager(config: netConfig, logger: logger)
            let isValidator = chain.validators.contains(validatorKey.publicKey.address)
                || chain.nextValidators.contains(validatorKey.publicKey.address)
            let driver = NodeDriver(settings: settings, store: store, peers: peers, validatorKey: validatorKey, ledger: ledger,
                                    chain: chain, logger: logger)
            logger.info("node ready", metadata: ["moniker": "\(config.moniker)", "node_id": "\(nodeKey.publicKey.address.hex)",
                                                 "chain_id": "\(genesis.chainID)", "height": "\(chain.height)",
                                                 "validator": "\(isValidator)", "home": "\(home.root)"])
            return ValidatorNode(home: home, driver: driver, peers: peers, store: store, logger: logger)
        } catch {
            store.close()
            throw error
        }
    }

    /// The ledger and chain tip after the last stored block (or the genesis). The stored
    /// state must hash to the stored app hash, or the data directory is damaged.
    static func recover(genesis: Genesis, store: NodeStore) throws -> (Ledger, ChainState) {
        let latest = try store.blocks.latestHeight()
        let genesisSet = try ValidatorSet(validators: genesis.validators.map {
            Validator(publicKey: $0.publicKey, votingPower: Int64(clamping: genesis.power(of: $0)))
        })
        if latest == 0 {
            let ledger = Ledger.genesis(genesis)
            let second = genesisSet.copyIncrementingProposerPriority(times: 1)
            try store.blocks.storeValidatorSets([(1, genesisSet.canonicalBytes), (2, second.canonicalBytes)])
            let chain = ChainState(chainID: genesis.chainID, height: 1, lastBlockID: .zero,
                                   lastBlockTimeMillis: UInt64(clamping: genesis.genesisTime.unixSeconds) * 1_000,
                                   lastCommit: nil, appHash: ledger.state.appHash, previousValidators: nil,
                                   validators: genesisSet, nextValidators: second)
            return (ledger, chain)
        }
        let entries = try store.state.allEntries()
        let state: LedgerState
        do {
            state = try LedgerState.load(from: entries.map { (key: $0.key, value: $0.value) })
        } catch {
            throw NodeStartError("\(store.environment.path): \(error); the data directory is damaged: restore it from a backup or delete it and re-sync")
        }
        guard state.height == latest, let storedAppHash = try store.state.appHash(height: latest), storedAppHash == state.appHash else {
            throw NodeStartError("\(store.environment.path): the stored ledger state does not match block \(latest)'s app hash; the data directory is damaged: restore it from a backup or delete it and re-sync")
        }
        guard let block = try store.blocks.block(height: latest), let commit = try store.blocks.commit(height: latest),
              let previous = try store.blocks.validatorSet(height: latest),
              let current = try store.blocks.validatorSet(height: latest + 1),
              let next = try store.blocks.validatorSet(height: latest + 2) else {
            throw NodeStartError("\(store.environment.path): block \(latest), its commit or the validator sets after it are missing; the data directory is damaged: restore it from a backup or delete it and re-sync")
        }
        let ledger = Ledger(parameters: LedgerParameters(genesis: genesis), state: state)
        let chain = ChainState(chainID: genesis.chainID, height: latest + 1, lastBlockID: block.id,
                               lastBlockTimeMillis: block.header.timeMillis, lastCommit: commit, appHash: state.appHash,
                               previousValidators: previous, validators: current, nextValidators: next)
        return (ledger, chain)
    }

    /// Runs until a graceful shutdown (SIGINT/SIGTERM through the service group) or a fatal
    /// store error, then stops the network and closes the store, which reopens cleanly.
    public func run() async throws {
        try await peers.start()
        try await driver.start()
        let inbound = peers.inbound
        let driver = self.driver
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in inbound {
                        await driver.receive(message)
                        if await driver.stopReason != nil { return }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down")
            // Closing the network ends the inbound stream, which ends the loop above.
            let peers = self.peers
            Task { await peers.shutdown() }
        }
        await peers.shutdown()
        store.close()
        if let reason = await driver.stopReason { throw NodeStartError(reason) }
        logger.info("stopped cleanly")
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
