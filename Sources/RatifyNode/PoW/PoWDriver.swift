import Foundation
import Logging
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyPoW
import RatifyStore

/// Drives a proof-of-work chain (docs/POW.md, "Running a PoW chain"): the only owner of the
/// block tree, the tip's ledger state and the miner. An actor, so blocks from peers, blocks
/// this node mines and transactions from the RPC are serialised through it.
///
/// The order, written down once here:
/// 1. a received block is decoded and checked without state (Merkle root, coinbase height,
///    size and count limits), then its header against the tree (`BlockTree.check`: parent,
///    bits from the difficulty schedule, proof of work, median-time-past, future limit);
///    a block whose parent is unknown waits in the orphan pool and the peer that sent it is
///    asked for the headers of its chain (headers-first sync, `PoWDriver+HeadersSync`);
/// 2. an accepted block is stored by hash, added to the tree and relayed;
/// 3. when the tree's most-work tip differs from ours, the reorg plan is executed on a copy
///    of the ledger (undo data back to the fork point, then each new block's transactions
///    against its parent's state; a block that fails is marked invalid and the fork choice
///    runs again), and the whole tip change is stored in one LMDB transaction (`moveTip`)
///    before memory, mempool, waiters and the miner move on.
public actor PoWDriver {
    public struct Settings: Sendable {
        public var chainID: String
        /// k: a block is final when this many blocks are on top of it.
        public var confirmations: UInt64
        public var blockBytesMax: Int
        public var blockTransactionsMax: Int
        public var miningThreads: Int
        /// Blocks held until their parents connect (bodies that arrive out of order, a tip
        /// announced before its chain is fetched).
        public var orphansMax = 512
        /// How often the tip is re-announced to every peer, so a peer that (re)connects or
        /// missed it learns of it and syncs the headers and bodies it lacks.
        public var tipAnnounceMillis: UInt64 = 1_000
        /// Body requests out at once during headers-first sync (well under `orphansMax`, so
        /// bodies that arrive out of order all fit in the orphan pool).
        public var bodiesInFlightMax = 128
        /// During sync the tip moves once this many fetched bodies have connected above it (or
        /// when none is left in flight), not once per body: each move is an LMDB commit.
        public var syncConnectBatch: UInt64 = 64
        /// A header or body request unanswered for this long is sent again (a body to
        /// another peer).
        public var requestRepeatMillis: Double = 2_000
        /// FAULT INJECTION: added to this node's wall clock wherever it reads it (block times it
        /// mines, the future limit it checks headers against). Set by RATIFY_CLOCK_OFFSET_MS
        /// (`ClockOffset`), never by config.
        public var clockOffsetMillis: Int64 = 0

        public init(chainID: String, confirmations: UInt64, blockBytesMax: Int, blockTransactionsMax: Int, miningThreads: Int) {
            self.chainID = chainID
            self.confirmations = confirmations
            self.blockBytesMax = blockBytesMax
            self.blockTransactionsMax = blockTransactionsMax
            self.miningThreads = miningThreads
        }
    }

    /// The best chain's tip as observers see it (RPC `/status`, the localnet).
    public struct TipInfo: Sendable, Equatable {
        public var height: UInt64
        public var hash: PoWHash
        public var chainWork: UInt256
        public var timeSeconds: UInt32
        public var bits: CompactTarget
        public var appHash: Hash
        /// The highest block with at least `confirmations` blocks on top (0: none yet).
        public var finalHeight: UInt64
    }

    let settings: Settings
    let store: NodeStore
    let peers: PeerManager
    let mempool: Mempool
    let waiters: TransactionWaiters
    /// Blocks and transactions as they become final, for RPC subscribers (`GET /events`).
    public let events = NodeEvents()
    let metrics: NodeMetrics?
    let minerAddress: Address
    let logger: Logger

    var tree: BlockTree
    /// Every header checked so far, with or without its body: `tree` plus what headers-first
    /// sync has fetched ahead of the bodies.
    var headers: BlockTree
    var orphans: OrphanPool
    var ledger: Ledger
    var tip: BlockTree.Node
    /// Final heights already reported to the waiters.
    var reportedFinalHeight: UInt64
    var lastTipMillis: Double
    var miningCancel: CancellationFlag?
    /// Whether the block being mined carries transactions (a new transaction restarts an
    /// empty template, so it is not held back a whole block interval).
    var miningWithTransactions = false
    /// Headers-first sync: peers asked for headers and when; the peers that served headers,
    /// which the bodies are asked of in turn; the best header chain's missing bodies, oldest
    /// first, and how far along them requests have gone; the body requests out.
    var headersAskedMillis: [NodeID: Double] = [:]
    var bodySources: [NodeID] = []
    var nextBodySource = 0
    var bodyQueue: [PoWHash] = []
    var bodyQueueNext = 0
    var bodiesInFlight: [PoWHash: BodyRequest] = [:]
    /// The last header each peer sent (its best chain), for the bodies a hybrid chain fetches.
    var peerHeaderTips: [NodeID: PoWHash] = [:]
    /// The body sync under way, for its closing log line (nil: none).
    var bodySync: BodySyncProgress?
    /// Checkpoint finality, on a hybrid chain only.
    var finality: CheckpointFinality?
    public private(set) var stopReason: String?
    /// Set by `shutdown`: the tip announcements and the miner end.
    var isShutDown = false

    init(settings: Settings, store: NodeStore, peers: PeerManager, mempool: Mempool, waiters: TransactionWaiters,
         metrics: NodeMetrics?, minerAddress: Address, tree: BlockTree, ledger: Ledger, tip: BlockTree.Node,
         finality: CheckpointFinality? = nil, logger: Logger) {
        self.settings = settings
        self.store = store
        self.peers = peers
        self.mempool = mempool
        self.waiters = waiters
        self.metrics = metrics
        self.minerAddress = minerAddress
        self.tree = tree
        self.headers = tree
        self.orphans = OrphanPool(capacity: settings.orphansMax)
        self.ledger = ledger
        self.tip = tip
        self.finality = finality
        // A hybrid chain's tracker starts at the genesis (votes are not stored): nothing final yet.
        self.reportedFinalHeight = finality == nil ? Self.finalHeight(tip: tip.height, confirmations: settings.confirmations) : 0
        self.lastTipMillis = Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis)
        self.logger = logger
    }

    /// This node's wall clock in milliseconds since 1970, shifted by `clockOffsetMillis`.
    nonisolated func nowMillis() -> Double { Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis) }
    nonisolated func nowSeconds() -> UInt32 { UInt32(clamping: Int64(nowMillis() / 1_000)) }

    static func finalHeight(tip: UInt64, confirmations: UInt64) -> UInt64 {
        tip >= confirmations ? tip - confirmations : 0
    }

    public var tipInfo: TipInfo {
        TipInfo(height: tip.height, hash: tip.hash, chainWork: tip.chainWork, timeSeconds: tip.timeSeconds, bits: tip.bits,
                appHash: ledger.state.appHash, finalHeight: currentFinalHeight())
    }

    public func account(_ address: Address) -> AccountInfo { AccountInfo(address: address, state: ledger.state) }
    public func stakingValidators() -> [StakingValidatorInfo] { StakingValidatorInfo.all(in: ledger) }

    /// The best chain's block at `height`, from the store.
    func block(height: UInt64) -> PoWBlock? {
        guard height >= 1, height <= tip.height, let hash = try? store.pow.bestHash(height: height) else { return nil }
        return storedBlock(PoWHash(hash))
    }

    func storedBlock(_ hash: PoWHash) -> PoWBlock? {
        guard let bytes = try? store.pow.blockBytes(hash: hash.asHash) else { return nil }
        return try? PoWBlock(canonicalBytes: bytes)
    }

    // MARK: Starting

    /// Moves to the most-work tip the stored blocks allow (a crash between storing a block
    /// and moving the tip leaves one to connect), starts mining and the tip announcements.
    func start() {
        logger.info("starting proof-of-work chain", metadata: [
            "height": "\(tip.height)", "hash": "\(tip.hash)", "blocks_known": "\(tree.count)",
            "mining_threads": "\(settings.miningThreads)", "confirmations": "\(settings.confirmations)",
        ])
        replayStoredVotes()
        peers.attach(PoWPeerReactor(driver: self))
        updateTip()
        // A tip change already started the miner.
        if miningCancel == nil { startMining() }
        Task { [weak self] in await self?.announceTipPeriodically() }
    }

    private func announceTipPeriodically() async {
        while stopReason == nil, !isShutDown {
            try? await Task.sleep(nanoseconds: settings.tipAnnounceMillis * 1_000_000)
            requestBodies()
            // Bodies that connected while sync held the tip back (`movesTipNow`), if it stalled.
            if tree.bestTip().hash != tip.hash { updateTip() }
            guard tip.height > 0, let bytes = try? store.pow.blockBytes(hash: tip.hash.asHash) else { continue }
            peers.broadcast(.powBlock(PoWBlockBytes(bytes)))
            announceStoredVotes()
        }
    }

    func stop(because reason: String) {
        guard stopReason == nil else { return }
        stopReason = reason
        miningCancel?.cancel()
        logger.critical("stopping: \(reason)")
        events.close(because: "the node stopped: \(reason)")
    }

    /// Stops the miner and the tip announcements (shutdown).
    func shutdown() {
        isShutDown = true
        miningCancel?.cancel()
        miningCancel = nil
    }

    // MARK: Network

    /// A proof-of-work node's `MessageVerifier`: its own messages and transactions go to the
    /// driver, which checks and relays them; proof-of-stake messages are of no use here.
    public static let messageVerifier: MessageVerifier = { message in
        switch message {
        case .powBlock, .powBlockRequest, .powHeadersRequest, .powHeaders, .checkpointVote, .transaction: .unverified
        case .vote, .proposal, .block, .commit, .evidence: .ignored
        case .hello, .auth, .peerState, .blockPart, .blockRequest, .keepAlive, .transactions: .unverified
        }
    }

    func receive(_ inbound: InboundMessage) {
        guard stopReason == nil else { return }
        switch inbound.message {
        case .powBlock(let wrapped):
            let block: PoWBlock
            do {
                block = try PoWBlock(canonicalBytes: wrapped.bytes)
            } catch {
                peers.disconnect(inbound.peer, reason: "undecodable proof-of-work block: \(error)", misbehaving: true)
                return
            }
            accept(block, bytes: wrapped.bytes, from: inbound.peer, message: inbound.message)
        case .powBlockRequest(let hash):
            serveBlock(hash, to: inbound.peer)
        case .powHeadersRequest(let locator):
            serveHeaders(after: locator, to: inbound.peer)
        case .powHeaders(let batch):
            received(batch, from: inbound.peer)
        case .transaction(let gossip):
            do throws(MempoolError) {
                _ = try mempool.add(gossip.transaction)
                // Relayed only once the mempool has checked it (verify, then relay).
                peers.relay(inbound.message, from: inbound.peer)
            } catch where error.code == TransactionError.badSignature.code {
                peers.disconnect(inbound.peer, reason: "transaction with an invalid signature", misbehaving: true)
            } catch {
                // Duplicates, spent nonces, a full pool: expected under gossip.
            }
        case .checkpointVote(let vote):
            receive(vote, from: inbound.peer)
        case .hello, .auth, .peerState, .proposal, .blockPart, .block, .vote, .commit, .evidence, .blockRequest, .keepAlive:
            // Proof-of-stake messages: a PoW peer never sends them; nothing to do.
            break
        case .transactions:
            // Delivered one by one as `transaction`s: the network takes a batch apart.
            break
        }
    }

    /// Why a block is refused before its header reaches the tree (nil: it may go on).
    func bodyProblem(_ block: PoWBlock, bytesCount: Int) -> String? {
        guard block.merkleRootMatches else { return "the Merkle root does not commit to the body" }
        guard bytesCount <= settings.blockBytesMax else { return "\(bytesCount) bytes exceeds block.max_bytes \(settings.blockBytesMax)" }
        guard block.transactions.count <= settings.blockTransactionsMax else {
            return "\(block.transactions.count) transactions exceed block.max_txs \(settings.blockTransactionsMax)"
        }
        if let parent = tree[block.header.previousHash], block.height != parent.height + 1 {
            return "coinbase height \(block.height) on a parent at height \(parent.height)"
        }
        if let index = block.transactions.firstIndex(where: { $0.chainID != settings.chainID }) {
            return "transaction \(index) is for chain \(block.transactions[index].chainID)"
        }
        return nil
    }

    /// A block from a peer (`peer` set) or from this node's miner.
    func accept(_ block: PoWBlock, bytes: [UInt8], from peer: NodeID?, message: NetMessage?) {
        let hash = block.hash
        guard !tree.contains(hash) else { return }
        let solicited = bodiesInFlight.removeValue(forKey: hash) != nil
        if solicited, let peer { bodySync?.blocksByPeer[peer, default: 0] += 1 }
        if orphans.contains(hash) {
            // A tip announced again while its chain is still being fetched.
            if let peer, !headers.contains(hash) { requestHeaders(from: peer) }
            return
        }
        if let problem = bodyProblem(block, bytesCount: bytes.count) {
            logger.warning("invalid block", metadata: ["hash": "\(hash)", "reason": "\(problem)"])
            if let peer { peers.disconnect(peer, reason: "invalid proof-of-work block: \(problem)", misbehaving: true) }
            return
        }
        if !tree.contains(block.header.previousHash) {
            // Its chain is not connected yet: hold it. A body we asked for waits for its
            // parent's body, already asked for; otherwise ask the peer for the headers.
            orphans.add(block)
            if let message { peers.forget(message) }
            if let peer, !headers.contains(block.header.previousHash) { requestHeaders(from: peer) }
            return
        }
        var pending = [(block, bytes, solicited)]
        var added = 0
        while let (next, nextBytes, nextSolicited) = pending.popLast() {
            guard insert(next, bytes: nextBytes, from: peer, message: next.hash == hash ? message : nil, relay: !nextSolicited) else { continue }
            added += 1
            for child in orphans.takeChildren(of: next.hash) where bodyProblem(child, bytesCount: child.canonicalBytes.count) == nil {
                // Children held as orphans during sync were asked for: not news to relay.
                pending.append((child, child.canonicalBytes, headers.contains(child.hash)))
            }
        }
        if added > 0, movesTipNow(afterSolicited: solicited) { updateTip() }
        if bodyQueueNext < bodyQueue.count || !bodiesInFlight.isEmpty { requestBodies() } else { bodySyncEnded() }
    }

    /// Checks a block's header against the tree, stores it and (unless `relay` is false: a
    /// body fetched by sync, which peers have) relays it. False when refused.
    private func insert(_ block: PoWBlock, bytes: [UInt8], from peer: NodeID?, message: NetMessage?, relay: Bool) -> Bool {
        let hash = block.hash
        do {
            _ = try tree.check(block.header, hash: hash, nowSeconds: nowSeconds())
        } catch {
            switch error {
            case .duplicate:
                break
            case .tooFarAhead:
                // It may become acceptable later: let a later copy through.
                if let message { peers.forget(message) }
                logger.info("block ahead of the clock", metadata: ["hash": "\(hash)", "reason": "\(error)"])
            case .hashAboveTarget, .wrongBits, .timeNotAfterMedian, .invalidParent, .unknownParent:
                logger.warning("invalid block header", metadata: ["hash": "\(hash)", "reason": "\(error)"])
                if let peer, case .hashAboveTarget = error {
                    peers.disconnect(peer, reason: "proof-of-work block without the work: \(error)", misbehaving: true)
                }
            }
            return false
        }
        do {
            try store.pow.putBlock(hash: hash.asHash, bytes: bytes)
        } catch {
            stop(because: "cannot store block \(hash): \(error)")
            return false
        }
        do {
            try tree.insert(block.header, nowSeconds: nowSeconds())
        } catch {
            return false
        }
        if !headers.contains(hash) { _ = try? headers.insert(block.header, nowSeconds: nowSeconds()) }
        finality?.noteCheckpointBlock(hash.asHash, height: block.height, nowMillis: nowMillis())
        if relay { peers.broadcast(.powBlock(PoWBlockBytes(bytes))) }
        return true
    }

    // MARK: The tip

    /// Follows the fork choice; on a hybrid chain, then counts the votes that waited for the
    /// new blocks and votes, and follows the fork choice again if that justified a checkpoint.
    func updateTip() {
        followForkChoice()
        while stopReason == nil, checkpointsAfterTipChange() { followForkChoice() }
    }

    /// While the fork choice's tip (`forkChoiceTip`) is not ours, executes the reorg plan to it
    /// (marking blocks that fail invalid and choosing again) and stores it.
    private func followForkChoice() {
        while stopReason == nil {
            let best = forkChoiceTip()
            guard best.hash != tip.hash else { return }
            guard let plan = tree.reorgPlan(from: tip.hash, to: best.hash) else {
                stop(because: "the block tree has no path from \(tip.hash) to \(best.hash)")
                return
            }
            // The fork choice keeps the finalized checkpoint; this guards against a bug there.
            guard !revertsFinalized(plan) else {
                logger.error("refusing a reorganization below the latest finalized checkpoint", metadata: [
                    "fork_height": "\(plan.forkPoint.height)", "to": "\(best.hash)",
                ])
                return
            }
            switch execute(plan) {
            case .invalid(let hash, let reason):
                logger.warning("invalid block", metadata: ["hash": "\(hash)", "reason": "\(reason)"])
                tree.markInvalid(hash)
                // Its header had the work: stop fetching bodies that build on it.
                headers.markInvalid(hash)
                rebuildBodyQueue()
            case .failed(let reason):
                stop(because: reason)
                return
            case .done(let outcome):
                adopt(outcome, plan: plan)
            }
        }
    }

    struct ReorgOutcome {
        var ledger: Ledger
        var connected: [(block: PoWBlock, locations: [TransactionLocation])]
        var disconnected: [PoWBlock]
    }

    enum ExecutionResult {
        case done(ReorgOutcome)
        case invalid(PoWHash, String)
        case failed(String)
    }

    /// Runs `plan` on a copy of the ledger and stores it in one transaction. Changes nothing in
    /// memory: the caller adopts the outcome.
    private func execute(_ plan: BlockTree.ReorgPlan) -> ExecutionResult {
        var working = ledger
        var disconnected: [PoWBlock] = []
        var disconnectRecords: [PoWChainStore.Disconnected] = []
        if !plan.disconnect.isEmpty {
            var undo: [[(key: [UInt8], value: [UInt8]?)]] = []
            for node in plan.disconnect {
                guard let block = storedBlock(node.hash), let writes = try? store.pow.undo(hash: node.hash.asHash) else {
                    return .failed("block \(node.hash) of the best chain or its undo data is missing from the store")
                }
                undo.append(writes.map { ($0.key, $0.value) })
                disconnected.append(block)
                disconnectRecords.append(.init(height: node.height, hash: node.hash.asHash, transactionHashes: block.transactions.map(\.hash)))
            }
            do {
                working = Ledger(parameters: ledger.parameters, state: try ledger.state.reverted(by: undo))
            } catch {
                return .failed("cannot rebuild the ledger state at the fork point \(plan.forkPoint.hash): \(error)")
            }
        }
        var connected: [(block: PoWBlock, locations: [TransactionLocation])] = []
        var connectRecords: [PoWChainStore.Connected] = []
        for node in plan.connect {
            guard let block = storedBlock(node.hash) else { return .failed("block \(node.hash) is missing from the store") }
            let before = working.state
            let verified = mempool.verifiedHashes(in: block.transactions)
            switch working.executeMined(height: node.height, miner: block.coinbase.miner, transactions: block.transactions,
                                        verifiedTransactions: verified) {
            case .failure(let error):
                return .invalid(node.hash, "\(error)")
            case .success(let result):
                let connecting = ConnectedBlock(block: block, height: node.height, hash: node.hash, result: result,
                                                writes: working.takeWrites(), before: before)
                connected.append((block, connecting.locations))
                connectRecords.append(connecting.record)
            }
        }
        let newTip = plan.connect.last ?? plan.forkPoint
        do {
            try store.pow.moveTip(disconnect: disconnectRecords, connect: connectRecords,
                                  newTip: .init(height: newTip.height, hash: newTip.hash.asHash, appHash: working.state.appHash))
        } catch {
            return .failed("cannot store the new tip \(newTip.hash): \(error)")
        }
        return .done(ReorgOutcome(ledger: working, connected: connected, disconnected: disconnected))
    }

    /// Memory follows the store: the tip, the ledger, the mempool (connected transactions out,
    /// disconnected ones back in), waiters for newly final heights, the log line, the miner.
    private func adopt(_ outcome: ReorgOutcome, plan: BlockTree.ReorgPlan) {
        let previous = tip
        ledger = outcome.ledger
        tip = plan.connect.last ?? plan.forkPoint
        let connectedTransactions = outcome.connected.flatMap(\.block.transactions)
        mempool.update(committed: connectedTransactions, ledger: ledger)
        let stillIncluded = Set(connectedTransactions.map(\.hash))
        let returning = outcome.disconnected.reversed().flatMap(\.transactions).filter { !stillIncluded.contains($0.hash) }
        if !returning.isEmpty {
            let batch = returning.map(\.canonicalBytes)
            Task { [mempool, peers] in
                let results = await mempool.add(batch: batch)
                var readmitted = 0
                // Peers that never saw them (they were on this node's side of a partition) get them too.
                for (transaction, result) in zip(returning, results) {
                    guard case .success = result else { continue }
                    readmitted += 1
                    peers.broadcast(.transaction(TransactionGossip(transaction)))
                }
                self.logger.info("returned disconnected transactions to the mempool", metadata: [
                    "transactions": "\(batch.count)", "readmitted": "\(readmitted)",
                ])
            }
        }
        reportFinal()

        let now = nowMillis()
        let interval = now - lastTipMillis
        lastTipMillis = now
        var metadata: Logger.Metadata = [
            "height": "\(tip.height)", "hash": "\(tip.hash)", "txs": "\(outcome.connected.last?.block.transactions.count ?? 0)",
            "interval_ms": "\(Int(interval))", "final_height": "\(currentFinalHeight())",
            "miner": "\(outcome.connected.last?.block.coinbase.miner.hex.prefix(8) ?? "-")",
        ]
        if plan.depth > 0 {
            metadata["reorg_depth"] = "\(plan.depth)"
            metadata["previous_tip"] = "\(previous.hash)"
        }
        logger.info("new tip", metadata: metadata)
        if let metrics {
            metrics.height.record(Double(tip.height))
            metrics.pow?.finalHeight.record(Double(currentFinalHeight()))
            if plan.depth > 0 { metrics.pow?.reorgs.increment() }
            metrics.blockInterval.recordNanoseconds(Int64(interval * 1_000_000))
            metrics.mempoolSize.record(Double(mempool.count))
            metrics.peers.record(Double(peers.connectedPeers.count))
        }
        startMining()
    }

    /// Tells the waiters about transactions in blocks that have just become final.
    func reportFinal() {
        let final = currentFinalHeight()
        if final < reportedFinalHeight {
            logger.warning("a reorg replaced blocks that had \(settings.confirmations) confirmations", metadata: [
                "final_height_before": "\(reportedFinalHeight)", "final_height": "\(final)",
            ])
            reportedFinalHeight = final
            return
        }
        guard final > reportedFinalHeight else { return }
        var locations: [TransactionLocation] = []
        var finalEvents: [NodeEvent] = []
        let nowMillis = Date().timeIntervalSince1970 * 1_000
        for height in (reportedFinalHeight + 1)...final {
            guard let block = block(height: height) else { continue }
            var blockLocations: [TransactionLocation] = []
            for transaction in block.transactions {
                if let found = try? store.blocks.transactionLocation(hash: transaction.hash) {
                    blockLocations.append(TransactionLocation(hash: transaction.hash, height: found.height, index: found.index,
                                                              code: found.code, log: found.log,
                                                              accounts: TransactionLocation.accounts(of: transaction)))
                }
            }
            locations += blockLocations
            let timeMillis = UInt64(block.header.time) * 1_000
            finalEvents += NodeEvent.finalized(FinalizedBlockEvent(
                height: height, hash: Hash(Array(block.hash.internalBytes.reversed())) ?? .zero, timeMillis: timeMillis,
                transactionCount: block.transactions.count, round: nil, latencyMillis: max(0, nowMillis - Double(timeMillis))),
                transactions: blockLocations)
        }
        reportedFinalHeight = final
        waiters.finalized(locations)
        events.publish(finalEvents)
    }

    // MARK: Mining

    /// The mempool admitted a transaction while the block being mined carries none: mine a new
    /// one with it.
    func transactionAdded() {
        guard settings.miningThreads > 0, !miningWithTransactions, mempool.count > 0 else { return }
        startMining()
    }

    /// Cancels the current search and starts one on the tip with what the mempool holds.
    func startMining() {
        miningCancel?.cancel()
        miningCancel = nil
        guard settings.miningThreads > 0, stopReason == nil, !isShutDown else { return }
        let template = PoWBlockTemplate.make(
            parent: tip, tree: tree, ledger: ledger, miner: minerAddress, nowSeconds: nowSeconds(),
            bytesMax: settings.blockBytesMax, transactionsMax: settings.blockTransactionsMax,
            reap: { mempool.reap(maxBytes: $0, maxCount: $1) })
        guard let target = template.block.header.bits.target else {
            stop(because: "the difficulty schedule gave unusable bits \(template.block.header.bits)")
            return
        }
        let cancel = CancellationFlag()
        miningCancel = cancel
        miningWithTransactions = !template.block.transactions.isEmpty
        if !miningWithTransactions {
            mempool.wakeOnNextAdmission(unlessHolding: false) { [weak self] in Task { await self?.transactionAdded() } }
        }
        let miner = ParallelMiner(threadCount: settings.miningThreads)
        let maxTime = nowSeconds() &+ tree.rules.futureLimitSeconds / 2
        Task.detached { [weak self] in
            let outcome = await miner.mine(template: template.block.header, target: target, roll: .time(maxTime: maxTime),
                                           cancel: cancel)
            await self?.mined(outcome, template: template.block, cancel: cancel)
        }
    }

    private func mined(_ outcome: SearchOutcome, template: PoWBlock, cancel: CancellationFlag) {
        // Cancelled searches spent their hashes too.
        metrics?.pow?.hashes.increment(by: Int64(clamping: outcome.hashes))
        guard cancel === miningCancel, let solution = outcome.solution, template.header.previousHash == tip.hash else { return }
        var block = template
        block.header = solution.header
        logger.debug("mined", metadata: ["hash": "\(solution.hash)", "height": "\(block.height)", "hashes": "\(outcome.hashes)"])
        miningCancel = nil
        accept(block, bytes: block.canonicalBytes, from: nil, message: nil)
        if tip.hash == solution.hash { metrics?.pow?.blocksMined.increment() }
        // A block that did not become the tip (refused, or a tie lost) leaves the miner idle.
        if miningCancel == nil { startMining() }
    }
}
