import Foundation
import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyStore

/// The only interpreter of the consensus core's effects (DESIGN.md, "The consensus core has
/// no I/O"). It owns the core, the ledger and the chain tip, and carries out effects in the
/// order the protocol's safety rests on, written down once here:
///
/// 1. every input except `.start`, `.proposalBlock` and `.heightApplied` is logged for the WAL
///    before the core sees it. Peers' messages and timeouts wait in `walBuffer` (no fsync of
///    their own, as CometBFT's `Write` for them against `WriteSync` for its own messages);
///    they become durable with the next signature or decision, before anything leaves the
///    process. A crash may lose some of them; peers resend what is missing;
/// 2. to sign, the double-sign guard persists the new signer state, the buffered records and
///    the signed message's WAL record in one fsynced transaction, then the signature is
///    broadcast and fed back to the core;
/// 3. a decided block, its commit, the ledger state it produces, the validator set it decides
///    for H+2, its transactions' results, the buffered next-height records and the trimmed
///    WAL are stored in one LMDB transaction before the core moves on.
///
/// An actor: inputs from the network, timers and RPC are serialised through it. Block
/// validation suspends (it verifies signatures in parallel), so after it the height is
/// checked again before anything is handed to the core.
public actor NodeDriver {
    public struct Settings: Sendable {
        public var chainID: String
        public var consensus: ConsensusParameters
        /// With an empty mempool, the next height starts only after this long (DESIGN.md:
        /// no empty blocks except on a heartbeat).
        public var heartbeatMillis: UInt64
        /// Caps on what is held while waiting for its other half (a proposal for its block, a
        /// commit for its block); at least twice the block-sync window.
        public var pendingBlocksMax = 96
        /// TESTS ONLY: with each prevote for a block, also sign and broadcast a conflicting
        /// prevote for nil, bypassing the double-sign guard, so slashing can be tested end to
        /// end. Set by the RATIFY_TEST_DOUBLE_SIGN=1 environment variable, never by config.
        public var doubleSignForTesting = false
        /// FAULT INJECTION: added to this node's wall clock wherever it reads it (proposal
        /// times, the too-far-ahead check, the heartbeat), to run one node with a skewed clock.
        /// Set by the RATIFY_CLOCK_OFFSET_MS environment variable (`ratify chaos`), never by config.
        public var clockOffsetMillis: Int64 = 0

        public init(chainID: String, consensus: ConsensusParameters, heartbeatMillis: UInt64) {
            self.chainID = chainID
            self.consensus = consensus
            self.heartbeatMillis = heartbeatMillis
        }
    }

    /// A decided height, as reported to observers (logs, RPC, metrics, benchmarks).
    public struct Finalized: Sendable {
        public var height: Height
        public var round: Round
        public var blockID: BlockID
        public var appHash: Hash
        public var transactionCount: Int
        /// From the block's header time to this node's decision.
        public var latencyMillis: Double
        /// Since this node's previous decision.
        public var intervalMillis: Double
    }

    /// How many heights past the current one blocks and commits are held for: the window a
    /// node that is behind keeps requested from the peer that serves it (block sync).
    static let heightsAheadKept: Height = 32

    let settings: Settings
    let store: NodeStore
    let peers: PeerManager
    let mempool: Mempool
    let waiters: TransactionWaiters
    let metrics: NodeMetrics?
    let validatorKey: KeyPair?
    let validator = BlockValidator()
    let logger: Logger

    var consensus: Consensus
    var ledger: Ledger
    /// The last decided block and what follows from it; the core decides `chain.nextHeight`.
    public private(set) var chain: ChainState
    /// The commit of `chain.lastBlockHeight`, which the next proposal carries.
    var lastCommit: Commit?
    /// Proposals and blocks, held until the core runs their height (during the commit wait it
    /// is still on the previous one) and until both halves are here; blocks and commits from
    /// peers a little ahead, for catch-up. Bounded by `pendingBlocksMax`; pruned each height.
    var pendingProposals: [BlockID: (proposal: Proposal, peer: NodeID)] = [:]
    var receivedBlocks: [BlockID: Block] = [:]
    var handedOverBlocks: Set<BlockID> = []
    var catchUpCommits: [BlockID: Commit] = [:]
    /// Block sync: the peer that served the last catch-up commit, and the highest height
    /// requested from it.
    var syncPeer: NodeID?
    var requestedThrough: Height = 0
    var evidencePool: [DuplicateVoteEvidence] = []
    /// WAL records not yet durable (peers' messages, timeouts), in arrival order; written with
    /// the next durable write, or on their own once `walBufferMax` are held.
    var walBuffer: [(height: Height, bytes: [UInt8])] = []
    static let walBufferMax = 1_024
    /// A commit-wait timeout held back because the mempool is empty (no empty blocks).
    var parkedCommitTimeout: TimeoutEvent?
    var lastDecisionMillis: Double
    var finalizedObservers: [UUID: AsyncStream<Finalized>.Continuation] = [:]
    /// Set when the store refused a write: the node must stop, it cannot go on safely.
    public private(set) var stopReason: String?

    init(settings: Settings, store: NodeStore, peers: PeerManager, mempool: Mempool, waiters: TransactionWaiters,
         metrics: NodeMetrics?, validatorKey: KeyPair?, ledger: Ledger, chain: ChainState, lastCommit: Commit?, logger: Logger) {
        self.settings = settings
        self.store = store
        self.peers = peers
        self.mempool = mempool
        self.waiters = waiters
        self.metrics = metrics
        self.validatorKey = validatorKey
        self.ledger = ledger
        self.chain = chain
        self.lastCommit = lastCommit
        self.logger = logger
        self.consensus = Consensus(parameters: settings.consensus, me: validatorKey?.publicKey.address,
                                   height: chain.nextHeight, validators: chain.validators, nextValidators: chain.nextValidators)
        self.lastDecisionMillis = Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis)
    }

    /// This node's wall clock in milliseconds since 1970, shifted by `clockOffsetMillis`.
    func nowMillis() -> Double { Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis) }

    /// Decided heights from now on, for the localnet status and benchmarks.
    public func finalizedStream() -> AsyncStream<Finalized> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Finalized.self, bufferingPolicy: .bufferingNewest(256))
        finalizedObservers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeObserver(id) }
        }
        return stream
    }

    private func removeObserver(_ id: UUID) { finalizedObservers[id] = nil }

    public func account(_ address: Address) -> AccountInfo { AccountInfo(address: address, state: ledger.state) }

    public func stakingValidators() -> [StakingValidatorInfo] { StakingValidatorInfo.all(in: ledger) }

    // MARK: Starting

    /// Starts the current height and replays what the WAL holds for it (after a crash).
    func start() async throws {
        let height = chain.nextHeight
        let records = try store.wal.records(height: height)
        logger.info("starting consensus", metadata: [
            "height": "\(height)", "validators": "\(chain.validators.count)",
            "validator": "\(consensus.isValidator)", "wal_records": "\(records.count)",
        ])
        peers.setBlockProvider { [store] height in
            guard let block = try? store.blocks.block(height: height), let commit = try? store.blocks.commit(height: height) else {
                return nil
            }
            return (block, commit)
        }
        run([.start])
        for bytes in records {
            let record: WALRecord
            do {
                record = try WALRecord(canonicalBytes: bytes)
            } catch {
                // Written by this code and fsynced: an undecodable record means the data
                // directory is damaged. Stop rather than run with a partial view.
                throw StoreError.invalidRecord(database: "wal", reason: "record at height \(height): \(error)")
            }
            if let input = await replayInput(record), chain.nextHeight == height { run([input]) }
        }
        announce()
    }

    private func replayInput(_ record: WALRecord) async -> ConsensusInput? {
        switch record {
        case .proposal(let proposal, let block):
            guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
                return nil
            }
            return .proposal(verified, block: block, blockIsValid: await problem(with: block) == nil)
        case .vote(let vote):
            return verify(vote).map(ConsensusInput.vote)
        case .timeout(let event):
            return .timeout(event)
        case .block(let block):
            return .block(block, blockIsValid: await problem(with: block) == nil)
        }
    }

    /// Tendermint's `valid(v)` for a block at the current height (nil when valid).
    private func problem(with block: Block) async -> BlockValidationError? {
        do {
            _ = try await validator.validate(block, state: chain, nowMillis: UInt64(nowMillis()),
                                             alreadyVerified: mempool.verifiedHashes(in: block.transactions))
            return nil
        } catch {
            return error
        }
    }

    // MARK: The effect loop

    /// Feeds inputs to the core and carries out its effects until nothing is left to do.
    /// Inputs produced by effects (signed votes, built blocks, applied heights) go to the back
    /// of the queue, so effects run in the order the core returned them.
    func run(_ inputs: [ConsensusInput]) {
        var queue = inputs
        var index = 0
        while index < queue.count, stopReason == nil {
            let effects = consensus.handle(queue[index])
            index += 1
            for effect in effects {
                queue += perform(effect)
            }
        }
    }

    /// Logs an input for the WAL (buffered: see the order at the top), then runs it.
    func deliver(_ input: ConsensusInput, record: WALRecord) {
        walBuffer.append((walHeight(record), record.canonicalBytes))
        if walBuffer.count >= Self.walBufferMax {
            guard flushWAL() else { return }
        }
        run([input])
    }

    private func perform(_ effect: ConsensusEffect) -> [ConsensusInput] {
        switch effect {
        case .requestProposalBlock(let height, let round):
            guard height == chain.nextHeight, let key = validatorKey else { return [] }
            let block = BlockBuilder.proposal(state: chain, proposer: key.publicKey.address, timeMillis: UInt64(nowMillis()),
                                              lastCommit: lastCommit, evidence: evidencePool, mempool: mempool)
            return [.proposalBlock(block, height: height, round: round)]

        case .signProposal(var proposal, let block):
            guard let key = validatorKey else { return [] }
            let signBytes = proposal.signBytes(chainID: settings.chainID)
            let unsigned = proposal
            guard let signature = authorize(height: proposal.height, round: proposal.round, step: .proposal, signBytes: signBytes,
                                            key: key, record: { var signed = unsigned; signed.signature = $0; return .proposal(signed, block: block) })
            else { return [] }
            proposal.signature = signature
            guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
                return []
            }
            peers.broadcast(.proposal(proposal))
            peers.broadcast(.block(block))
            metrics?.proposals.increment()
            logger.debug("proposed", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                "txs": "\(block.transactions.count)"])
            return [.proposal(verified, block: block, blockIsValid: true)]

        case .signVote(var vote):
            guard let key = validatorKey else { return [] }
            let signBytes = vote.signBytes(chainID: settings.chainID)
            let unsigned = vote
            guard let signature = authorize(height: vote.height, round: vote.round, step: SignStep(vote.type), signBytes: signBytes,
                                            key: key, record: { var signed = unsigned; signed.signature = $0; return .vote(signed) })
            else { return [] }
            vote.signature = signature
            guard let verified = verify(vote) else { return [] }
            peers.broadcast(.vote(vote))
            if settings.doubleSignForTesting, vote.type == .prevote, vote.blockID != nil {
                var conflicting = vote
                conflicting.blockID = nil
                conflicting.signature = key.sign(conflicting.signBytes(chainID: settings.chainID))
                peers.broadcastUnfiltered(.vote(conflicting))
            }
            return [.vote(verified)]

        case .scheduleTimeout(let event, let afterMillis):
            schedule(event, afterMillis: afterMillis)
            return []

        case .decide(let block, let commit):
            guard block.height == chain.nextHeight, let validatorsForHeightPlus2 = apply(block, commit) else { return [] }
            return [.heightApplied(block.height, validatorsForHeightPlus2: validatorsForHeightPlus2)]

        case .evidence(let evidence):
            logger.warning("double vote detected", metadata: ["validator": "\(evidence.validatorAddress)",
                                                              "height": "\(evidence.height)"])
            if evidencePool.count < CodecLimits.evidencePerBlockMax, !evidencePool.contains(evidence) {
                evidencePool.append(evidence)
            }
            peers.broadcast(.evidence(evidence))
            return []

        case .requestBlock(let blockID, let height):
            // Gossip resends the round's proposal block to peers that announce they lack it;
            // a decided block comes by catch-up. Nothing to ask for explicitly.
            logger.debug("waiting for block", metadata: ["block": "\(blockID)", "height": "\(height)"])
            return []
        }
    }

    /// Persist, then sign: the guard fsyncs its new state, the buffered WAL records and the
    /// signed message's record (`record`) in one transaction before returning the signature.
    private func authorize(height: Height, round: Round, step: SignStep, signBytes: [UInt8], key: KeyPair,
                           record: (Signature) -> WALRecord) -> Signature? {
        let buffered = walBuffer
        do {
            let signature = try store.signer.authorize(
                height: height, round: round, step: step, signBytes: signBytes, sign: { key.sign($0) },
                alsoWrite: { transaction, signature in
                    for entry in buffered { try store.wal.append(height: entry.height, record: entry.bytes, in: transaction) }
                    let signed = record(signature)
                    try store.wal.append(height: walHeight(signed), record: signed.canonicalBytes, in: transaction)
                })
            walBuffer.removeFirst(buffered.count)
            return signature
        } catch {
            logger.error("refused to sign", metadata: ["height": "\(height)", "round": "\(round)", "step": "\(step)",
                                                       "reason": "\(error)"])
            return nil
        }
    }

    /// A vote for the next height (which the core buffers) goes to that height's WAL, so a
    /// restart there replays it; everything else belongs to the height being decided.
    private func walHeight(_ record: WALRecord) -> Height {
        if case .vote(let vote) = record { return max(chain.nextHeight, vote.height) }
        return chain.nextHeight
    }

    /// Makes the buffered WAL records durable on their own (the buffer is full).
    private func flushWAL() -> Bool {
        let buffered = walBuffer
        do {
            try store.environment.write { transaction in
                for entry in buffered { try store.wal.append(height: entry.height, record: entry.bytes, in: transaction) }
            }
            walBuffer.removeFirst(buffered.count)
            return true
        } catch {
            stop(because: "cannot write the consensus WAL: \(error)")
            return false
        }
    }

    func verify(_ vote: Vote) -> VerifiedVote? {
        if vote.height == chain.nextHeight {
            return VerifiedVote(verifying: vote, chainID: settings.chainID, validators: chain.validators)
        }
        if vote.height == chain.nextHeight + 1 {
            return VerifiedVote(verifying: vote, chainID: settings.chainID, validators: chain.nextValidators)
        }
        return nil
    }

    // MARK: Timers

    private func schedule(_ event: TimeoutEvent, afterMillis: UInt64) {
        Task { [weak self] in
            try? await Task.sleep(nanoseconds: afterMillis * 1_000_000)
            await self?.timerFired(event)
        }
    }

    func timerFired(_ event: TimeoutEvent) {
        // A commit wait belongs to the height just decided, which the chain has already left.
        guard event.height == chain.nextHeight || (event.kind == .commit && event.height == chain.lastBlockHeight) else { return }
        if event.kind == .commit, mempool.count == 0, nowMillis() - lastDecisionMillis < Double(settings.heartbeatMillis) {
            // No transactions: hold the next height until one arrives or the heartbeat is due.
            parkedCommitTimeout = event
            let remaining = Double(settings.heartbeatMillis) - (nowMillis() - lastDecisionMillis)
            schedule(event, afterMillis: UInt64(max(remaining, 1)))
            return
        }
        if event.kind == .commit { parkedCommitTimeout = nil }
        deliver(.timeout(event), record: .timeout(event))
        afterProgress()
    }

    /// A transaction arrived: a height held back for lack of transactions may start now.
    public func transactionAdded() {
        guard let event = parkedCommitTimeout else { return }
        parkedCommitTimeout = nil
        deliver(.timeout(event), record: .timeout(event))
        afterProgress()
    }

    /// After the core may have changed height: use what is held, and tell peers.
    private func afterProgress() {
        Task { await self.catchUpIfPossible() }
        handOverPending()
        announce()
    }

    // MARK: Deciding

    /// Executes and stores a decided block (from the core, or from catch-up), and moves the
    /// chain tip. Returns the validator set it decided for height + 2.
    func apply(_ block: Block, _ commit: Commit) -> ValidatorSet? {
        let height = block.height
        let verified = mempool.verifiedHashes(in: block.transactions)
        let executed: ExecutedBlock
        do {
            executed = try BlockExecutor.execute(block, state: chain, ledger: &ledger, verifiedTransactions: verified)
        } catch {
            stop(because: "cannot execute decided block \(height): \(error)")
            return nil
        }
        let writes = executed.writes.map { StateWrite(key: $0.key, value: $0.value) }
        let locations = TransactionLocation.all(in: block, result: executed.result)
        let storeStarted = nowMillis()
        // This height's records are trimmed with the block; later heights' buffered ones kept.
        let buffered = walBuffer.filter { $0.height > height }
        do {
            try store.blocks.commit(block: block, commit: commit, stateWrites: writes, appHash: executed.result.appHash,
                                    validatorSets: [(height + 2, executed.nextState.nextValidators)],
                                    transactions: locations.map { ($0.hash, $0.index, $0.code, $0.log) },
                                    alsoWrite: { [store] transaction in
                                        try store.wal.trim(below: height + 1, in: transaction)
                                        for entry in buffered {
                                            try store.wal.append(height: entry.height, record: entry.bytes, in: transaction)
                                        }
                                    })
            walBuffer.removeAll()
        } catch {
            stop(because: "cannot store decided block \(height): \(error)")
            return nil
        }
        let now = nowMillis()
        let finalized = Finalized(height: height, round: commit.round, blockID: block.id, appHash: executed.result.appHash,
                                  transactionCount: block.transactions.count,
                                  latencyMillis: max(0, now - Double(block.header.timeMillis)),
                                  intervalMillis: now - lastDecisionMillis)
        lastDecisionMillis = now
        chain = executed.nextState
        lastCommit = commit
        mempool.update(committed: block.transactions, ledger: ledger)
        waiters.finalized(locations)
        evidencePool.removeAll { block.evidence.contains($0) || $0.height + 1 < height }
        pendingProposals = pendingProposals.filter { $0.value.proposal.height > height }
        receivedBlocks = receivedBlocks.filter { $0.value.height > height }
        catchUpCommits = catchUpCommits.filter { $0.value.height > height }
        handedOverBlocks = []
        record(finalized, commit: commit, storeMillis: now - storeStarted)
        return executed.nextState.nextValidators
    }

    private func record(_ finalized: Finalized, commit: Commit, storeMillis: Double) {
        logger.info("finalized", metadata: [
            "height": "\(finalized.height)", "round": "\(finalized.round)", "txs": "\(finalized.transactionCount)",
            "interval_ms": "\(Int(finalized.intervalMillis))", "latency_ms": "\(String(format: "%.1f", finalized.latencyMillis))",
            "store_ms": "\(String(format: "%.1f", storeMillis))", "hash": "\(finalized.blockID.hash.short)",
            "app_hash": "\(finalized.appHash.short)",
        ])
        if let metrics {
            metrics.height.record(Double(finalized.height))
            metrics.rounds.record(Double(finalized.round) + 1)
            metrics.blockInterval.recordNanoseconds(Int64(finalized.intervalMillis * 1_000_000))
            metrics.finalityLatency.recordNanoseconds(Int64(finalized.latencyMillis * 1_000_000))
            metrics.storeCommitLatency.recordNanoseconds(Int64(storeMillis * 1_000_000))
            metrics.mempoolSize.record(Double(mempool.count))
            metrics.peers.record(Double(peers.connectedPeers.count))
            if let lastValidators = chain.lastValidators {
                for (index, member) in lastValidators.validators.enumerated()
                where commit.signatures.indices.contains(index) && commit.signatures[index] == .absent {
                    metrics.missedVote(validator: member.address)
                }
            }
        }
        for observer in finalizedObservers.values { observer.yield(finalized) }
    }

    func stop(because reason: String) {
        guard stopReason == nil else { return }
        stopReason = reason
        logger.critical("stopping: \(reason)")
        for observer in finalizedObservers.values { observer.finish() }
    }

    // MARK: Network

    /// Tells peers where consensus is, so gossip can send what this node lacks.
    func announce() {
        let step: RoundStep = switch consensus.phase {
        case .waitingToStart: .newHeight
        case .decided, .committing: .commit
        case .running:
            switch consensus.step {
            case .propose: .propose
            case .prevote: .prevote
            case .precommit: .precommit
            }
        }
        peers.updateLocalState(height: consensus.height, round: consensus.round, step: step)
    }

    /// One message from a peer, already checked by the network layer for its frame, MAC and
    /// chain id.
    func receive(_ inbound: InboundMessage) async {
        guard stopReason == nil else { return }
        let height = chain.nextHeight
        switch inbound.message {
        case .vote(let vote):
            guard vote.height >= height else { return }
            guard vote.height <= height + 1 else {
                peers.forget(inbound.message)
                return
            }
            guard let verified = verify(vote) else {
                peers.disconnect(inbound.peer, reason: "invalid vote signature", misbehaving: true)
                return
            }
            deliver(.vote(verified), record: .vote(vote))
        case .proposal(let proposal):
            guard proposal.height == height, pendingProposals.count < settings.pendingBlocksMax else {
                if proposal.height > height { peers.forget(inbound.message) }
                return
            }
            pendingProposals[proposal.blockID] = (proposal, inbound.peer)
            handOverPending()
        case .block(let block):
            // Blocks and commits a little ahead are kept: the network drops repeats of a
            // message it has delivered once, so one dropped here would never come back unless
            // it is forgotten.
            guard (height...height + Self.heightsAheadKept).contains(block.height),
                  receivedBlocks.count < settings.pendingBlocksMax else {
                if block.height > height { peers.forget(inbound.message) }
                return
            }
            receivedBlocks[block.id] = block
            await catchUpIfPossible()
            handOverPending()
        case .commit(let commit):
            guard (height...height + Self.heightsAheadKept).contains(commit.height),
                  catchUpCommits.count < settings.pendingBlocksMax else {
                if commit.height > height { peers.forget(inbound.message) }
                return
            }
            catchUpCommits[commit.blockID] = commit
            syncPeer = inbound.peer
            await catchUpIfPossible()
        case .transaction(let transaction):
            do {
                _ = try await mempool.add(transaction.canonicalBytes)
                transactionAdded()
            } catch let error where error.code == TransactionError.badSignature.code {
                peers.disconnect(inbound.peer, reason: "transaction with an invalid signature", misbehaving: true)
            } catch {
                // Duplicates, spent nonces, a full pool: expected under gossip, nothing to do.
            }
        case .evidence(let evidence):
            if evidencePool.count < CodecLimits.evidencePerBlockMax, !evidencePool.contains(evidence) {
                evidencePool.append(evidence)
            }
        case .hello, .auth, .peerState, .blockPart, .blockRequest:
            break
        }
        announce()
    }

    /// Gives the core the held proposals whose blocks are here, and blocks that came without a
    /// proposal (2/3+ precommits may name them), once the core runs the chain's next height.
    func handOverPending() {
        guard consensus.phase == .running, consensus.height == chain.nextHeight else { return }
        for id in pendingProposals.keys.sorted() {
            guard let block = receivedBlocks[id], let (proposal, peer) = pendingProposals.removeValue(forKey: id) else { continue }
            handedOverBlocks.insert(id)
            Task { await self.handleProposal(proposal, block, from: peer) }
        }
        for id in receivedBlocks.keys.sorted() where !handedOverBlocks.contains(id) && pendingProposals[id] == nil {
            guard let block = receivedBlocks[id], block.height == chain.nextHeight else { continue }
            handedOverBlocks.insert(id)
            Task { await self.handleBlock(block) }
        }
    }

    private func handleProposal(_ proposal: Proposal, _ block: Block, from peer: NodeID) async {
        guard proposal.blockID == block.id else { return }
        guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
            peers.disconnect(peer, reason: "invalid proposal signature", misbehaving: true)
            return
        }
        let problem = await problem(with: block)
        guard proposal.height == chain.nextHeight, stopReason == nil else { return }
        if let problem {
            logger.warning("invalid proposal", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                          "reason": "\(problem)"])
        }
        deliver(.proposal(verified, block: block, blockIsValid: problem == nil), record: .proposal(proposal, block: block))
        announce()
    }

    private func handleBlock(_ block: Block) async {
        let valid = await problem(with: block) == nil
        guard block.height == chain.nextHeight, stopReason == nil else { return }
        deliver(.block(block, blockIsValid: valid), record: .block(block))
        announce()
    }

    /// Block sync: applies held blocks that a held commit proves final, for as many heights
    /// as it can, without voting; the core restarts at the next height.
    func catchUpIfPossible() async {
        while stopReason == nil,
              let (id, commit) = catchUpCommits.first(where: { $0.value.height == chain.nextHeight }),
              let block = receivedBlocks[id] {
            catchUpCommits[id] = nil
            receivedBlocks[id] = nil
            guard await catchUp(block, commit) else { return }
        }
    }

    private func catchUp(_ block: Block, _ commit: Commit) async -> Bool {
        guard block.height == chain.nextHeight, commit.height == block.height, commit.blockID == block.id else { return false }
        do {
            try commit.verify(chainID: settings.chainID, validators: chain.validators)
        } catch {
            logger.warning("catch-up commit rejected", metadata: ["height": "\(block.height)", "reason": "\(error)"])
            return false
        }
        if let problem = await problem(with: block) {
            logger.warning("catch-up block rejected", metadata: ["height": "\(block.height)", "reason": "\(problem)"])
            return false
        }
        guard block.height == chain.nextHeight, apply(block, commit) != nil else { return false }
        consensus = Consensus(parameters: settings.consensus, me: validatorKey?.publicKey.address, height: chain.nextHeight,
                              validators: chain.validators, nextValidators: chain.nextValidators)
        run([.start])
        handOverPending()
        announce()
        requestAhead()
        return true
    }

    /// Block sync: having caught up one height, this node is behind; keep the next
    /// `heightsAheadKept` heights requested from the peer that served it, so blocks arrive
    /// back to back instead of one per gossip round.
    private func requestAhead() {
        guard let peer = syncPeer else { return }
        let last = chain.nextHeight + Self.heightsAheadKept - 1
        // The height needed next is asked again unless its commit is here (a request to a
        // peer that went away is otherwise lost); later ones once each.
        if !catchUpCommits.values.contains(where: { $0.height == chain.nextHeight }) {
            peers.send(.blockRequest(height: chain.nextHeight), to: peer)
        }
        var next = max(requestedThrough + 1, chain.nextHeight + 1)
        while next <= last {
            peers.send(.blockRequest(height: next), to: peer)
            next += 1
        }
        requestedThrough = last
    }
}
