import Foundation
import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyStore

/// The proof-of-stake engine: `NodeDriver` running the Tendermint core over the node's store,
/// network and mempool. `recover` reads it back from the store; the driver answers the node as a
/// `ChainEngine` (below).
enum ProofOfStakeEngine {
    /// The chain tip, ledger and last commit from the store, checked against the signer state;
    /// the driver's settings from the genesis (and the test-only environment switches).
    static func recover(genesis: Genesis, config: NodeConfig, store: NodeStore, signer: ValidatorSigner,
                        logger: Logger) throws -> RecoveredEngine {
        let (ledger, chain, lastCommit) = try recover(genesis: genesis, store: store)
        try refuseSignerStateBehindWAL(store: store, height: chain.nextHeight, validator: signer.publicKey.address)
        var settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: ConsensusParameters(genesis.consensus),
                                           heartbeatMillis: genesis.consensus.heartbeatMillis)
        settings.skipTimeoutCommit = config.consensus.skipTimeoutCommit
        if ProcessInfo.processInfo.environment["RATIFY_TEST_DOUBLE_SIGN"] == "1" {
            // Test-only behaviour exists in debug (test) builds only: a release node never double-signs.
            #if DEBUG
            settings.doubleSignForTesting = true
            logger.critical("RATIFY_TEST_DOUBLE_SIGN=1: this validator will double-sign every prevote and be slashed; tests only")
            #else
            logger.warning("RATIFY_TEST_DOUBLE_SIGN is ignored: it exists in debug (test) builds only")
            #endif
        }
        settings.clockOffsetMillis = try ClockOffset.fromEnvironment(logger: logger)
        if config.storage.retainBlocks > 0 && config.storage.retainBlocks < genesis.staking.evidenceMaxAgeBlocks {
            logger.warning("storage.retain_blocks keeps fewer heights than evidence may name", metadata: [
                "retain_blocks": "\(config.storage.retainBlocks)", "evidence_max_age_blocks": "\(genesis.staking.evidenceMaxAgeBlocks)",
            ])
        }
        // Votes, proposals and evidence are verified before the network relays or keeps them,
        // once (the driver takes the result); transactions are admitted to the mempool there too.
        let mempool = Mempool(config: config.mempool, ledger: ledger)
        let verifier = GossipVerifier(chain: chain, ledger: ledger, mempool: mempool)
        let pruner = config.storage.retainBlocks > 0
            ? BlockPruner(blocks: store.blocks, retainBlocks: config.storage.retainBlocks, logger: logger) : nil
        let snapshotter = config.storage.snapshotIntervalHeights > 0
            ? Snapshotter(store: store, snapshots: SnapshotStore(dataDirectory: store.environment.path),
                          intervalHeights: config.storage.snapshotIntervalHeights, keepRecent: Int(config.storage.snapshotKeepRecent),
                          logger: logger) : nil
        let ready: Logger.Metadata = [
            "height": "\(chain.nextHeight)", "validator": "\(chain.validators.contains(signer.publicKey.address))",
        ]
        return RecoveredEngine(mempool: mempool, verifier: verifier.messageVerifier, metricsKind: .proofOfStake,
                               readyMetadata: ready, pruner: pruner) { parts in
            NodeDriver(settings: settings, store: parts.store, peers: parts.peers, verifier: verifier,
                       waiters: parts.waiters, metrics: parts.metrics, validatorSigner: signer, ledger: ledger, chain: chain,
                       lastCommit: lastCommit, snapshotter: snapshotter, logger: parts.logger)
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
}

extension NodeDriver: ChainEngine {
    /// Decided blocks waiting for the next signature are stored before the store closes.
    func shutdown() async {
        storeDecisions()
    }

    /// The store for history, the driver for the tip.
    nonisolated func chainQueries(_ node: NodeQueryContext) -> NodeQueries {
        let store = node.store
        return NodeQueries(
            status: {
                // Read before the chain: pruning follows the store's latest height, which may run ahead
                // of the driver's final chain while this closure waits for the driver, never behind it.
                let earliest = (try? store.blocks.earliestHeight()) ?? BlockStore.heightFirst
                let chain = await self.finalChain
                let power = chain.validators.validator(at: node.validatorPublicKey.address)?.votingPower ?? 0
                var status = NodeStatus(nodeID: node.nodeID, moniker: node.moniker, chainID: chain.chainID,
                                        latestHeight: chain.lastBlockHeight,
                                        latestBlockHash: chain.lastBlockHeight > 0 ? chain.lastBlockID.hash : nil,
                                        latestAppHash: chain.appHash, latestBlockTimeMillis: chain.lastBlockTimeMillis,
                                        catchingUp: await self.catchingUp, validatorPublicKey: node.validatorPublicKey,
                                        votingPower: power, build: node.build)
                status.feeMin = node.mempool.feeMin
                status.earliestHeight = min(earliest, chain.lastBlockHeight)
                let nowMillis = UInt64(max(await self.nowMillis(), 0))
                status.latestBlockAgeMillis = nowMillis > chain.lastBlockTimeMillis ? nowMillis - chain.lastBlockTimeMillis : 0
                status.peerCount = node.peers.connectedPeers.count
                // Only a sole validator running alone makes blocks without peers.
                status.peersRequired = !(chain.validators.count == 1 && power > 0)
                return status
            },
            // The tail first: a height leaves it only once the store holds it.
            block: { [unstoredTail] in unstoredTail.block(height: $0) ?? (try? store.blocks.block(height: $0)) },
            commit: { [unstoredTail] in unstoredTail.commit(height: $0) ?? (try? store.blocks.commit(height: $0)) },
            validators: { [unstoredTail] in unstoredTail.validators(height: $0) ?? (try? store.blocks.validatorSet(height: $0)) },
            transaction: { [unstoredTail, stored = NodeQueries.storedTransaction(in: store)] hash in
                if let unstored = unstoredTail.transaction(hash: hash) { return unstored }
                return await stored(hash)
            })
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
