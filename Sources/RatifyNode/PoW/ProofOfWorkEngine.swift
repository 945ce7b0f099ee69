import Foundation
import Logging
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyPoW
import RatifyStore

/// The proof-of-work engine of a `mode: "pow"` or `mode: "hybrid"` chain: `PoWDriver` mining,
/// choosing the most-work chain and, on a hybrid chain, casting and counting checkpoint votes.
/// The validator key's address receives the rewards of the blocks this node mines; on a hybrid
/// chain the same key casts checkpoint votes while it is in the staking ledger's active set,
/// from the key file or through a remote signer (`[priv_validator] laddr`).
enum ProofOfWorkEngine {
    /// The tree's rules and root from the genesis.
    static func emptyTree(_ genesis: Genesis) -> BlockTree {
        let timeMillis = genesis.genesisTime.unixSeconds &* 1_000 &+ Int64(genesis.genesisTime.nanos / 1_000_000)
        return BlockTree(genesisHash: PoWHash(genesis.genesisHash),
                         genesisTimeSeconds: UInt32(clamping: genesis.genesisTime.unixSeconds),
                         genesisBits: CompactTarget(bits: genesis.pow.initialBits),
                         rules: BlockTree.Rules(schedule: DifficultySchedule(params: genesis.pow, genesisTimeMillis: timeMillis)))
    }

    /// The block tree, ledger and tip from the store, the checkpoint finality of a hybrid chain,
    /// and the driver's settings from the genesis and `[pow]`.
    static func recover(genesis: Genesis, config: NodeConfig, store: NodeStore, signer: ValidatorSigner,
                        logger: Logger) throws -> RecoveredEngine {
        let (tree, ledger, tip) = try recover(genesis: genesis, store: store, logger: logger)
        var settings = PoWDriver.Settings(
            chainID: genesis.chainID, confirmations: genesis.pow.confirmations,
            blockBytesMax: Int(clamping: min(genesis.block.maxBytes, UInt64(PoWBlock.encodedBytesMax))),
            blockTransactionsMax: Int(clamping: min(genesis.block.maxTxs, UInt64(CodecLimits.transactionsPerBlockMax))),
            miningThreads: Int(config.pow.miningThreads))
        settings.clockOffsetMillis = try ClockOffset.fromEnvironment(logger: logger)
        let finality = genesis.mode == .hybrid
            ? try checkpointFinality(genesis: genesis, ledger: ledger, store: store, signer: signer, logger: logger) : nil
        let ready: Logger.Metadata = [
            "mode": "\(genesis.mode.rawValue)", "height": "\(tip.height)", "miner": "\(signer.publicKey.address.hex)",
        ]
        // Transactions are verified by the mempool, blocks and checkpoint votes by the driver,
        // each before the driver relays it; the network relays nothing itself.
        let mempool = Mempool(config: config.mempool, ledger: ledger)
        return RecoveredEngine(mempool: mempool, verifier: PoWDriver.messageVerifier,
                               metricsKind: .proofOfWork(hybrid: genesis.mode == .hybrid), readyMetadata: ready,
                               pruner: nil) { parts in
            PoWDriver(settings: settings, store: parts.store, peers: parts.peers, mempool: mempool, waiters: parts.waiters,
                      metrics: parts.metrics, minerAddress: signer.publicKey.address, tree: tree, ledger: ledger, tip: tip,
                      finality: finality, logger: parts.logger)
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
        guard let tip = tree[PoWHash(storedTip.hash)] else {
            throw NodeStartError("\(store.environment.path): the tip \(storedTip.hash) is not among the stored blocks; \(damaged)")
        }
        return (tree, Ledger(parameters: LedgerParameters(genesis: genesis), state: state), tip)
    }
}

extension PoWDriver: ChainEngine {
    /// The tip, the chain's blocks by height, and on a hybrid chain its checkpoints.
    nonisolated func chainQueries(_ node: NodeQueryContext) -> NodeQueries {
        let miningThreads = Int(node.config.pow.miningThreads)
        var queries = NodeQueries(status: {
            let tip = await self.tipInfo
            var status = NodeStatus(nodeID: node.nodeID, moniker: node.moniker, chainID: self.settings.chainID, latestHeight: tip.height,
                                    latestBlockHash: tip.height > 0 ? Hash(Array(tip.hash.internalBytes.reversed())) : nil,
                                    latestAppHash: tip.appHash, latestBlockTimeMillis: UInt64(tip.timeSeconds) * 1_000,
                                    catchingUp: false, validatorPublicKey: node.validatorPublicKey, votingPower: 0,
                                    build: node.build)
            status.feeMin = node.mempool.feeMin
            let nowMillis = UInt64(max(self.nowMillis(), 0))
            status.latestBlockAgeMillis = nowMillis > status.latestBlockTimeMillis ? nowMillis - status.latestBlockTimeMillis : 0
            status.peerCount = node.peers.connectedPeers.count
            status.pow = PoWStatus(tipHash: tip.hash.displayHex, chainWorkHex: tip.chainWork.hex, bitsHex: tip.bits.hex,
                                   finalHeight: tip.finalHeight, confirmations: self.settings.confirmations,
                                   miningThreads: miningThreads)
            if let checkpoints = await self.checkpoints {
                status.pow?.latestJustified = checkpoints.justified
                status.pow?.latestFinalized = checkpoints.finalized
            }
            return status
        })
        queries.powBlock = { height in await self.block(height: height) }
        return queries
    }
}
