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
/// 1. every input except `.start`, `.proposalBlock` and `.heightApplied` is appended to the
///    height's WAL (fsynced) before the core sees it;
/// 2. to sign, the double-sign guard persists the new signer state first, then signs; the
///    signed message is written to the WAL, then broadcast, then fed back to the core;
/// 3. a decided block, its commit, the ledger state it produces and the validator set it
///    decides for H+2 are stored in one LMDB transaction before the core moves on.
///
/// An actor: inputs from the network, timers and RPC are serialised through it.
public actor NodeDriver {
    public struct Settings: Sendable {
        public var chainID: String
        public var consensus: ConsensusParameters
        /// With an empty mempool, the next height starts only after this long (DESIGN.md:
        /// no empty blocks except on a heartbeat).
        public var heartbeatMillis: UInt64
        /// Caps on what is held while waiting for its other half (a proposal for its block).
        public var pendingBlocksMax = 64
        public var blockTransactionsMax = 10_000
        public var mempoolCapacity = 50_000

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

    let settings: Settings
    let store: NodeStore
    let peers: PeerManager
    let validatorKey: KeyPair?
    let logger: Logger
    var mempool: TransactionPool

    var consensus: Consensus
    var ledger: Ledger
    var chain: ChainState
    /// Proposals and blocks of the chain tip's height, held until the core runs that height
    /// (during the commit wait the core is still on the previous one) and until both halves
    /// are here. Bounded by `pendingBlocksMax`; cleared at each height.
    var pendingProposals: [BlockID: (proposal: Proposal, peer: NodeID)] = [:]
    var handedOverBlocks: Set<BlockID> = []
    var receivedBlocks: [BlockID: Block] = [:]
    var catchUpCommits: [BlockID: Commit] = [:]
    var evidencePool: [DuplicateVoteEvidence] = []
    /// A commit-wait timeout held back because the mempool is empty (no empty blocks).
    var parkedCommitTimeout: TimeoutEvent?
    var lastDecisionMillis: Double
    var finalizedObservers: [UUID: AsyncStream<Finalized>.Continuation] = [:]
    /// Set when the store refused a write: the node must stop, it cannot go on safely.
    public private(set) var stopReason: String?

    init(settings: Settings, store: NodeStore, peers: PeerManager, validatorKey: KeyPair?, ledger: Ledger,
         chain: ChainState, logger: Logger) {
        self.settings = settings
        self.store = store
        self.peers = peers
        self.validatorKey = validatorKey
        self.ledger = ledger
        self.chain = chain
        self.mempool = TransactionPool(capacity: settings.mempoolCapacity)
        self.logger = logger
        self.consensus = Consensus(parameters: settings.consensus, me: validatorKey?.publicKey.address,
                                   height: chain.height, validators: chain.validators, nextValidators: chain.nextValidators)
        self.lastDecisionMillis = Self.nowMillis()
    }

    static func nowMillis() -> Double { Date().timeIntervalSince1970 * 1_000 }

    public var height: Height { chain.height }

    /// Decided heights from now on, for RPC `wait=final`, the localnet status and benchmarks.
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

    // MARK: Starting

    /// Starts the current height and replays what the WAL holds for it (after a crash).
    func start() throws {
        let records = try store.wal.records(height: chain.height)
        logger.info("starting consensus", metadata: [
            "height": "\(chain.height)", "validators": "\(chain.validators.count)",
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
                // The record was written by this code and fsynced; an undecodable one means the
                // data directory is damaged. Stop rather than run with a partial view.
                throw StoreError.invalidRecord(database: "wal", reason: "record at height \(chain.height): \(error)")
            }
            if let input = replayInput(record) { run([input]) }
        }
        announce()
    }

    private func replayInput(_ record: WALRecord) -> ConsensusInput? {
        switch record {
        case .proposal(let proposal, let block):
            guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else { return nil }
            return .proposal(verified, block: block, blockIsValid: chain.problem(with: block, proposer: proposal.proposerAddress) == nil)
        case .vote(let vote):
            return verify(vote).map(ConsensusInput.vote)
        case .timeout(let event):
            return .timeout(event)
        case .block(let block):
            return .block(block, blockIsValid: chain.problem(with: block, proposer: block.header.proposerAddress) == nil)
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

    /// Writes an input to the WAL, then runs it.
    func deliver(_ input: ConsensusInput, record: WALRecord) {
        guard appendToWAL(record) else { return }
        run([input])
    }

    private func perform(_ effect: ConsensusEffect) -> [ConsensusInput] {
        switch effect {
        case .requestProposalBlock(let height, let round):
            guard height == chain.height, let key = validatorKey else { return [] }
            let block = chain.proposalBlock(proposer: key.publicKey.address, timeMillis: UInt64(Self.nowMillis()),
                                            transactions: mempool.reap(ledger: ledger, countMax: settings.blockTransactionsMax), evidence: evidencePool)
            return [.proposalBlock(block, height: height, round: round)]

        case .signProposal(var proposal, let block):
            guard let key = validatorKey else { return [] }
            let signBytes = proposal.signBytes(chainID: settings.chainID)
            guard let signature = authorize(height: proposal.height, round: proposal.round, step: .proposal,
                                            signBytes: signBytes, key: key) else { return [] }
            proposal.signature = signature
            guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
                return []
            }
            guard appendToWAL(.proposal(proposal, block: block)) else { return [] }
            peers.broadcast(.proposal(proposal))
            peers.broadcast(.block(block))
            logger.debug("proposed", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                "txs": "\(block.transactions.count)"])
            return [.proposal(verified, block: block, blockIsValid: true)]

        case .signVote(var vote):
            guard let key = validatorKey else { return [] }
            let signBytes = vote.signBytes(chainID: settings.chainID)
            guard let signature = authorize(height: vote.height, round: vote.round, step: SignStep(vote.type),
                                            signBytes: signBytes, key: key) else { return [] }
            vote.signature = signature
            guard let verified = verify(vote), appendToWAL(.vote(vote)) else { return [] }
            peers.broadcast(.vote(vote))
            return [.vote(verified)]

        case .scheduleTimeout(let event, let afterMillis):
            schedule(event, afterMillis: afterMillis)
            return []

        case .decide(let block, let commit):
            return decide(block, commit)

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

    /// Persist, then sign (the guard fsyncs its new state before returning the signature).
    private func authorize(height: Height, round: Round, step: SignStep, signBytes: [UInt8], key: KeyPair) -> Signature? {
        do {
            return try store.signer.authorize(height: height, round: round, step: step, signBytes: signBytes) { key.sign($0) }
        } catch {
            logger.error("refused to sign", metadata: ["height": "\(height)", "round": "\(round)", "step": "\(step)",
                                                       "reason": "\(error)"])
            return nil
        }
    }

    /// A vote for the next height (which the core buffers) goes to that height's WAL, so a
    /// restart there replays it; everything else belongs to the chain tip's height.
    private func appendToWAL(_ record: WALRecord) -> Bool {
        var height = chain.height
        if case .vote(let vote) = record { height = max(height, vote.height) }
        do {
            _ = try store.wal.append(height: height, record: record.canonicalBytes)
            return true
        } catch {
            stop(because: "cannot write the consensus WAL: \(error)")
            return false
        }
    }

    func verify(_ vote: Vote) -> VerifiedVote? {
        if vote.height == chain.height {
            return VerifiedVote(verifying: vote, chainID: settings.chainID, validators: chain.validators)
        }
        if vote.height == chain.height + 1 {
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
        // A commit wait belongs to the height just decided, which the chain tip has already left.
        guard event.height == chain.height || (event.kind == .commit && event.height + 1 == chain.height) else { return }
        if event.kind == .commit, mempool.isEmpty, Self.nowMillis() - lastDecisionMillis < Double(settings.heartbeatMillis) {
            // No transactions: hold the next height until one arrives or the heartbeat is due.
            parkedCommitTimeout = event
            let remaining = Double(settings.heartbeatMillis) - (Self.nowMillis() - lastDecisionMillis)
            schedule(TimeoutEvent(kind: .commit, height: event.height, round: event.round),
                     afterMillis: UInt64(max(remaining, 1)))
            return
        }
        if event.kind == .commit { parkedCommitTimeout = nil }
        deliver(.timeout(event), record: .timeout(event))
        catchUpIfPossible()
        handOverPending()
        announce()
    }

    /// A transaction arrived: a height held back for lack of transactions may start now.
    func releaseParkedHeight() {
        guard let event = parkedCommitTimeout else { return }
        parkedCommitTimeout = nil
        deliver(.timeout(event), record: .timeout(event))
        catchUpIfPossible()
        handOverPending()
        announce()
    }

    // MARK: Deciding

    private func decide(_ block: Block, _ commit: Commit) -> [ConsensusInput] {
        let height = block.height
        guard height == chain.height else { return [] }
        guard let validatorsForHeightPlus2 = apply(block, commit) else { return [] }
        return [.heightApplied(height, validatorsForHeightPlus2: validatorsForHeightPlus2)]
    }

    /// Executes and stores a decided block (from the core, or from catch-up), and moves the
    /// chain tip. Returns the validator set it decided for height + 2.
    func apply(_ block: Block, _ commit: Commit) -> ValidatorSet? {
        let height = block.height
        let participation = block.lastCommit.flatMap { last in chain.previousValidators.map { last.participation(validators: $0) } } ?? []
        let result = ledger.execute(height: height, proposer: block.header.proposerAddress, transactions: block.transactions,
                                    evidence: block.evidence, lastCommitParticipation: participation,
                                    verifiedTransactions: mempool.verifiedHashes(in: block.transactions))
        let writes = ledger.takeWrites().map { StateWrite(key: $0.key, value: $0.value) }
        let updates = ledger.validatorUpdates(from: chain.nextValidators.validators)
        var validatorsForHeightPlus2: ValidatorSet
        do {
            validatorsForHeightPlus2 = try chain.nextValidators.updating(with: updates)
        } catch {
            logger.error("validator updates rejected; keeping the set", metadata: ["height": "\(height)", "reason": "\(error)"])
            validatorsForHeightPlus2 = chain.nextValidators
        }
        validatorsForHeightPlus2.incrementProposerPriority(times: 1)
        let storeStarted = Self.nowMillis()
        do {
            try store.blocks.commit(block: block, commit: commit, stateWrites: writes, appHash: result.appHash,
                                    validatorSets: [(height + 2, validatorsForHeightPlus2)])
            _ = try store.wal.trim(below: height + 1)
        } catch {
            stop(because: "cannot store decided block \(height): \(error)")
            return nil
        }
        let now = Self.nowMillis()
        let finalized = Finalized(height: height, round: commit.round, blockID: block.id, appHash: result.appHash,
                                  transactionCount: block.transactions.count,
                                  latencyMillis: max(0, now - Double(block.header.timeMillis)),
                                  intervalMillis: now - lastDecisionMillis)
        lastDecisionMillis = now
        chain.advance(block: block, commit: commit, appHash: result.appHash, validatorsForHeightPlus2: validatorsForHeightPlus2)
        mempool.removeIncluded(block.transactions, ledger: ledger)
        evidencePool.removeAll { block.evidence.contains($0) || $0.height + 1 < height }
        pendingProposals = pendingProposals.filter { $0.value.proposal.height > height }
        handedOverBlocks = []
        receivedBlocks = receivedBlocks.filter { $0.value.height > height }
        catchUpCommits = catchUpCommits.filter { $0.value.height > height }
        logger.info("finalized", metadata: [
            "height": "\(height)", "round": "\(commit.round)", "txs": "\(block.transactions.count)",
            "interval_ms": "\(Int(finalized.intervalMillis))", "latency_ms": "\(String(format: "%.1f", finalized.latencyMillis))",
            "store_ms": "\(String(format: "%.1f", now - storeStarted))", "hash": "\(block.id.hash.short)",
            "app_hash": "\(result.appHash.short)",
        ])
        for observer in finalizedObservers.values { observer.yield(finalized) }
        return validatorsForHeightPlus2
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

    /// One message from a peer, already checked by the network layer for its frame, MAC,
    /// chain id and (transactions) signature.
    func receive(_ inbound: InboundMessage) {
        guard stopReason == nil else { return }
        switch inbound.message {
        case .vote(let vote):
            guard vote.height >= chain.height else { return }
            guard vote.height <= chain.height + 1 else {
                peers.forget(inbound.message)
                return
            }
            guard let verified = verify(vote) else {
                if vote.height <= chain.height + 1 {
                    peers.disconnect(inbound.peer, reason: "invalid vote signature", misbehaving: true)
                }
                return
            }
            deliver(.vote(verified), record: .vote(vote))
        case .proposal(let proposal):
            guard proposal.height == chain.height, pendingProposals.count < settings.pendingBlocksMax else {
                if proposal.height > chain.height { peers.forget(inbound.message) }
                return
            }
            pendingProposals[proposal.blockID] = (proposal, inbound.peer)
            handOverPending()
        case .block(let block):
            // Blocks and commits a little ahead are kept: the network drops repeats of a
            // message it has delivered once, so one dropped here would never come back.
            guard (chain.height...chain.height + Self.heightsAheadKept).contains(block.height),
                  receivedBlocks.count < settings.pendingBlocksMax else {
                if block.height > chain.height { peers.forget(inbound.message) }
                return
            }
            receivedBlocks[block.id] = block
            catchUpIfPossible()
            handOverPending()
        case .commit(let commit):
            guard (chain.height...chain.height + Self.heightsAheadKept).contains(commit.height),
                  catchUpCommits.count < settings.pendingBlocksMax else {
                if commit.height > chain.height { peers.forget(inbound.message) }
                return
            }
            catchUpCommits[commit.blockID] = commit
            catchUpIfPossible()
        case .transaction(let transaction):
            if mempool.add(transaction, signatureVerified: true, ledger: ledger) == nil { releaseParkedHeight() }
        case .evidence(let evidence):
            if evidencePool.count < CodecLimits.evidencePerBlockMax, !evidencePool.contains(evidence) {
                evidencePool.append(evidence)
            }
        case .hello, .auth, .peerState, .blockPart, .blockRequest:
            break
        }
        announce()
    }

    /// How many heights past the current one blocks and commits are held for.
    static let heightsAheadKept: Height = 2

    /// Applies held blocks that a held commit proves final, for as many heights as it can.
    func catchUpIfPossible() {
        while stopReason == nil,
              let (id, commit) = catchUpCommits.first(where: { $0.value.height == chain.height }),
              let block = receivedBlocks[id] {
            catchUpCommits[id] = nil
            receivedBlocks[id] = nil
            guard catchUp(block, commit) else { return }
        }
    }

    /// Gives the core the held proposals whose blocks are here, and blocks that came without a
    /// proposal (2/3+ precommits may name them), once the core runs the chain tip's height.
    func handOverPending() {
        guard consensus.phase == .running, consensus.height == chain.height else { return }
        for id in pendingProposals.keys.sorted() {
            guard let block = receivedBlocks[id], let (proposal, peer) = pendingProposals.removeValue(forKey: id) else { continue }
            handedOverBlocks.insert(id)
            handleProposal(proposal, block, from: peer)
        }
        for id in receivedBlocks.keys.sorted() where !handedOverBlocks.contains(id) && pendingProposals[id] == nil {
            guard let block = receivedBlocks[id], block.height == chain.height else { continue }
            handedOverBlocks.insert(id)
            let valid = chain.problem(with: block, proposer: block.header.proposerAddress) == nil
            deliver(.block(block, blockIsValid: valid), record: .block(block))
        }
    }

    private func handleProposal(_ proposal: Proposal, _ block: Block, from peer: NodeID) {
        guard proposal.blockID == block.id else { return }
        guard let verified = VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
            peers.disconnect(peer, reason: "invalid proposal signature", misbehaving: true)
            return
        }
        let problem = chain.problem(with: block, proposer: proposal.proposerAddress)
        if let problem {
            logger.warning("invalid proposal", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                          "reason": "\(problem)"])
        }
        deliver(.proposal(verified, block: block, blockIsValid: problem == nil), record: .proposal(proposal, block: block))
    }

    /// Block sync: a decided block with a commit that proves it final, for the height this
    /// node is still on. It is checked like a proposal and applied without voting; the core
    /// restarts at the next height.
    @discardableResult
    private func catchUp(_ block: Block, _ commit: Commit) -> Bool {
        guard block.height == chain.height, commit.height == block.height, commit.blockID == block.id else { return false }
        do {
            try commit.verify(chainID: settings.chainID, validators: chain.validators)
        } catch {
            logger.warning("catch-up commit rejected", metadata: ["height": "\(block.height)", "reason": "\(error)"])
            return false
        }
        if let problem = chain.problem(with: block, proposer: block.header.proposerAddress) {
            logger.warning("catch-up block rejected", metadata: ["height": "\(block.height)", "reason": "\(problem)"])
            return false
        }
        guard apply(block, commit) != nil else { return false }
        consensus = Consensus(parameters: settings.consensus, me: validatorKey?.publicKey.address, height: chain.height,
                              validators: chain.validators, nextValidators: chain.nextValidators)
        run([.start])
        handOverPending()
        announce()
        return true
    }
}
