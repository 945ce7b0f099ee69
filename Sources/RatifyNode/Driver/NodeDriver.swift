import Foundation
import Logging
import RatifyConsensus
import RatifyCore
import RatifyGossip
import RatifyLedger
import RatifyNet
import RatifyStore

/// The only interpreter of the consensus core's effects (docs/CONSENSUS.md, "The consensus
/// core"). It owns the core, the ledger and the chain tip, and carries out effects in the
/// order the protocol's safety rests on, written down once here:
///
/// 1. every input except `.start`, `.proposalBlock` and `.heightApplied` is logged for the WAL
///    before the core sees it. Peers' messages and timeouts wait in `walBuffer` (no fsync of
///    their own, as CometBFT's `Write` for them against `WriteSync` for its own messages);
///    they are written with the next signature, or on their own when the buffer fills, and
///    are durable before the next signature leaves the process. A crash may lose some of
///    them; peers resend what is missing;
/// 2. to sign, the double-sign guard takes the new signer state, the buffered records and the
///    signed message's WAL record as one record of the store's consensus journal (`NodeStore.open`
///    folds the journal into LMDB before anything reads the WAL), and the signature is fed back
///    to the core. Signed messages are held (`heldBroadcasts`) and leave only after one device
///    flush has made every record before them durable (`releaseSigned`): at the end of the
///    core's run, or before any effect other than signing or a timer. Signatures made in a row
///    share that flush: a proposal and the proposer's own prevote for it, one flush instead of
///    two. Nothing held was seen outside the process, so a crash before the flush loses only
///    what no peer saw;
/// 3. a decided block, its commit, the ledger state it produces, the validator set it decides
///    for H+2, its transactions' results and the WAL trimmed past it are stored in one LMDB
///    transaction at the decision (`StoreCommit`), before the core starts H+1, with one device
///    flush: its meta page reaches the disk with the next commit's, so a system crash may undo
///    the last stored block, never half of it. The WAL records that decided H are journaled
///    before anything of H+1 is signed (the first signature of H+1 carries those still
///    buffered), so a restart after any signature of H+1 finds H stored or decides it again
///    from its WAL, then replays H+1's WAL before it takes a peer's message (`start`): the
///    core gets back its locks and votes at H+1, and the guard its state, in the journal;
/// 4. clients (`wait=final`) and subscribers (`GET /events`) learn of a height at its decision,
///    before its store commit: 2/3+ of the power precommitted it, and each of those validators
///    made the block and its precommit durable in its WAL before the precommit left it (1, 2),
///    so the height is final whatever becomes of this node. The chain queries serve it from
///    `unstoredTail` until it is stored; the `finalized` log line and the metrics follow the
///    store commit.
///
/// An actor: inputs from the network, timers and RPC are serialised through it. Block
/// validation suspends (it verifies signatures in parallel), so after it the height is
/// checked again before anything is handed to the core.
public actor NodeDriver {
    public struct Settings: Sendable {
        public var chainID: String
        public var consensus: ConsensusParameters
        /// With an empty mempool, the next height starts only after this long (docs/NODE.md:
        /// no empty blocks except on a heartbeat).
        public var heartbeatMillis: UInt64
        /// Cap on verified proposals held while waiting for their blocks.
        public var pendingBlocksMax = 96
        /// `[consensus] skip_timeout_commit`: end the commit wait once every precommit is in.
        public var skipTimeoutCommit = true
        #if DEBUG
        /// TESTS ONLY, and only in debug builds: with each prevote for a block, also sign and
        /// broadcast a conflicting prevote for nil, bypassing the double-sign guard, so
        /// slashing can be tested end to end. Set by the RATIFY_TEST_DOUBLE_SIGN=1 environment
        /// variable, never by config.
        public var doubleSignForTesting = false
        #endif
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

    let settings: Settings
    let store: NodeStore
    /// Writes a state snapshot at every `[storage] snapshot_interval` heights; nil writes none.
    let snapshotter: Snapshotter?
    let peers: PeerManager
    let mempool: Mempool
    let waiters: TransactionWaiters
    let metrics: NodeMetrics?
    /// This validator's signatures: its key file, or a remote signer; nil for a full node.
    let validatorSigner: ValidatorSigner?
    let validator = BlockValidator()
    /// The network's verifier, whose window this driver moves each height and whose checked
    /// signatures it takes instead of checking them again.
    let verifier: GossipVerifier
    /// The consensus gossip on the peer network: what this node signs goes out through it, and
    /// it is told where consensus is.
    let gossip: ConsensusGossip
    let logger: Logger

    var consensus: Consensus
    var ledger: Ledger
    /// The last decided block and what follows from it; the core decides `chain.nextHeight`.
    public private(set) var chain: ChainState
    /// The commit of `chain.lastBlockHeight`, which the next proposal carries.
    var lastCommit: Commit?
    /// Proposals and blocks, held until the core runs their height (during the commit wait it
    /// is still on the previous one) and until both halves are here; blocks from peers a little
    /// ahead, for block sync. Pruned each height. Proposals are verified (at most
    /// `pendingBlocksMax`); a block no held proposal vouches for counts against its sender's
    /// quota (`BlockSync.heldPerPeerMax`), as block sync's commits do, so one peer's junk never
    /// crowds out another's blocks.
    var pendingProposals: [BlockID: VerifiedProposal] = [:]
    var receivedBlocks: [BlockID: Block] = [:]
    var handedOverBlocks: Set<BlockID> = []
    var blockQuota = PeerQuota<BlockID>(limitPerPeer: BlockSync.heldPerPeerMax)
    /// Commits held for heights ahead, the peer serving them, the heights asked of it
    /// (NodeDriver+BlockSync.swift).
    var blockSync = BlockSync()
    var evidencePool = EvidencePool()
    /// Precommits of the current and last height whose signatures this node checked: the next
    /// proposal's last commit repeats them, and they are not checked again there.
    var verifiedPrecommits: Set<Vote> = []
    static let verifiedPrecommitsMax = 20_000
    /// WAL records not yet durable (peers' messages, timeouts), in arrival order; written with
    /// the next durable write, or on their own once `walBufferMax` are held.
    var walBuffer: [(height: Height, bytes: [UInt8])] = []
    /// Signed proposals, their blocks and votes, in signing order, waiting for the journal flush
    /// that makes their signatures durable (see 2 at the top).
    var heldBroadcasts: [NetMessage] = []
    /// `start` is feeding the WAL to the core: a refusal to sign an earlier position is expected.
    private var replayingWAL = false
    static let walBufferMax = 1_024
    /// A commit-wait timeout held back because the mempool is empty (no empty blocks).
    var parkedCommitTimeout: TimeoutEvent?
    /// The core's timeouts not yet due, and the wake-ups armed for them.
    var timeouts = TimeoutSchedule()
    /// The latest height and round whose timeout of each kind was logged: one line per round
    /// and kind, however often a stuck round's timers fire (NodeDriver+RoundLog.swift).
    var timeoutsLogged: [TimeoutEvent.Kind: (height: Height, round: Round)] = [:]
    var lastDecisionMillis: Double
    /// The current height's steps on this node, for the breakdown in its finalized line.
    var timeline: HeightTimeline
    /// The `finalized` line, the metrics and in-process observers of each stored height.
    var reporter: HeightReporter
    /// Finalized blocks and transactions for RPC subscribers (`GET /events`); never waits for them.
    public let events = NodeEvents()
    /// Set when the store refused a write: the node must stop, it cannot go on safely.
    public private(set) var stopReason: String?
    /// Decided heights applied in memory (`chain`, `ledger`) whose store transaction has not
    /// run yet: the next signature's transaction stores them (`authorize`), or `storeDecisions`.
    var unstored: [UnstoredDecision] = []
    /// The chain as of the last height clients were told is final: what `/status` reports.
    /// Its block is served by the store or, until stored, by `unstoredTail`.
    public private(set) var finalChain: ChainState
    /// The heights told final and not yet stored, for the chain queries.
    public nonisolated let unstoredTail = UnstoredTail()

    /// `verifier` admits peers' transactions to its mempool, which the driver proposes from.
    init(settings: Settings, store: NodeStore, peers: PeerManager, verifier: GossipVerifier, waiters: TransactionWaiters,
         metrics: NodeMetrics?, validatorSigner: ValidatorSigner?, ledger: Ledger, chain: ChainState, lastCommit: Commit?,
         snapshotter: Snapshotter? = nil, logger: Logger) {
        self.settings = settings
        self.snapshotter = snapshotter
        self.store = store
        self.peers = peers
        self.verifier = verifier
        gossip = ConsensusGossip(peers: peers)
        mempool = verifier.mempool
        self.waiters = waiters
        self.metrics = metrics
        self.validatorSigner = validatorSigner
        self.ledger = ledger
        self.chain = chain
        self.finalChain = chain
        self.lastCommit = lastCommit
        self.logger = logger
        self.consensus = Consensus(parameters: settings.consensus, me: validatorSigner?.publicKey.address,
                                   height: chain.nextHeight, validators: chain.validators, nextValidators: chain.nextValidators)
        self.lastDecisionMillis = Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis)
        self.reporter = HeightReporter(logger: logger, metrics: metrics, startedMillis: lastDecisionMillis)
        self.timeline = HeightTimeline(startedMillis: lastDecisionMillis)
    }

    /// This node's wall clock in milliseconds since 1970, shifted by `clockOffsetMillis`.
    func nowMillis() -> Double { Date().timeIntervalSince1970 * 1_000 + Double(settings.clockOffsetMillis) }

    /// Decided heights from now on, for the localnet status and benchmarks.
    public func finalizedStream() -> AsyncStream<Finalized> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Finalized.self, bufferingPolicy: .bufferingNewest(256))
        reporter.addObserver(id, continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeObserver(id) }
        }
        return stream
    }

    private func removeObserver(_ id: UUID) { reporter.removeObserver(id) }

    public func account(_ address: Address) -> AccountInfo { AccountInfo(address: address, state: ledger.state) }

    public func stakingValidators() -> [StakingValidatorInfo] { StakingValidatorInfo.all(in: ledger) }

    // MARK: Starting

    /// Starts the current height and replays what the WAL holds for it (after a crash). When
    /// the replay decides the height (a system crash undid its block's store commit, see 3 at
    /// the top), the next height's records are replayed too, before any peer's message is taken.
    func start() async throws {
        var height = chain.nextHeight
        var records = try store.wal.records(height: height)
        logger.info("starting consensus", metadata: [
            "height": "\(height)", "validators": "\(chain.validators.count)",
            "validator": "\(consensus.isValidator)", "wal_records": "\(records.count)",
        ])
        reporter.reportStart(height: chain.lastBlockHeight, view: validatorView)
        peers.setBlockProvider { [store] height in
            guard let block = try? store.blocks.block(height: height), let commit = try? store.blocks.commit(height: height) else {
                return nil
            }
            return (block, commit)
        }
        run([.start])
        replayingWAL = true
        defer { replayingWAL = false }
        while true {
            try await replay(records, height: height)
            guard chain.nextHeight > height, stopReason == nil else { break }
            height = chain.nextHeight
            records = try store.wal.records(height: height)
            logger.info("decided again from the WAL", metadata: ["height": "\(height - 1)", "wal_records": "\(records.count)"])
        }
        resendSignedVotes(walRecords: records)
        announce()
    }

    /// Feeds one height's WAL records to the core, while it is at that height.
    private func replay(_ records: [[UInt8]], height: Height) async throws {
        for bytes in records {
            let record: WALRecord
            do {
                record = try WALRecord(canonicalBytes: bytes)
            } catch {
                // Written by this code and fsynced: an undecodable record means the data
                // directory is damaged. Stop rather than run with a partial view.
                throw StoreError.invalidRecord(database: "wal", reason: "record at height \(height): \(error)")
            }
            if let input = await replayInput(record), chain.nextHeight == height {
                if case .vote(let verified) = input { gossip.keep(verified.vote) }
                run([input])
            }
        }
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
        switch await validate(block, after: chain, ledger: ledger) {
        case .success: nil
        case .failure(let error): error
        }
    }

    /// Checks a block against the chain state it would follow and its evidence against `ledger`
    /// (at that state); on success, the hashes of its transactions whose signatures are now
    /// known good (the executor does not check them again).
    func validate(_ block: Block, after state: ChainState, ledger: Ledger) async -> Result<Set<Hash>, BlockValidationError> {
        do {
            let validated = try await validator.validate(block, state: state, evidence: EvidenceRules(ledger: ledger),
                                                         nowMillis: UInt64(nowMillis()),
                                                         alreadyVerified: mempool.verifiedHashes(in: block.transactions),
                                                         verifiedPrecommits: verifiedPrecommits)
            mempool.recordVerified(validated.verifiedTransactions)
            return .success(validated.verifiedTransactions)
        } catch {
            return .failure(error)
        }
    }

    // MARK: The effect loop

    /// Feeds inputs to the core and carries out its effects until nothing is left to do.
    /// Inputs produced by effects (signed votes, built blocks, applied heights) go to the back
    /// of the queue, so effects run in the order the core returned them.
    func run(_ inputs: [ConsensusInput]) {
        let before = (height: consensus.height, round: consensus.round)
        var queue = inputs
        var index = 0
        while index < queue.count, stopReason == nil {
            let effects = consensus.handle(queue[index])
            index += 1
            for effect in effects {
                if !Self.keepsSignaturesHeld(effect) {
                    releaseSigned()
                    // A failed flush stopped the node: nothing that follows from the held
                    // signatures (a decision its own precommit completed) may be acted on.
                    guard stopReason == nil else { break }
                }
                queue += perform(effect)
            }
        }
        releaseSigned()
        if consensus.height == before.height, consensus.round > before.round { logRoundChange(from: before.round) }
    }

    /// Logs an input for the WAL (buffered: see the order at the top), then runs it.
    func deliver(_ input: ConsensusInput, record: WALRecord) {
        walBuffer.append((walHeight(record), record.canonicalBytes))
        if walBuffer.count >= Self.walBufferMax {
            guard flushWAL() else { return }
        }
        run([input])
    }

    /// Signing and arming a timer take no time worth a signed message's wait; before anything
    /// else (executing a decided block, building one) held signatures are released.
    private static func keepsSignaturesHeld(_ effect: ConsensusEffect) -> Bool {
        switch effect {
        case .signProposal, .signVote, .scheduleTimeout: true
        case .requestProposalBlock, .decide, .evidence, .requestBlock, .resendVotes: false
        }
    }

    /// Makes the journal records of the held signatures durable with one device flush, then
    /// broadcasts the held messages in signing order. If the flush fails nothing held leaves
    /// and the node stops.
    private func releaseSigned() {
        guard !heldBroadcasts.isEmpty else { return }
        let held = heldBroadcasts
        heldBroadcasts = []
        let started = nowMillis()
        do {
            try store.signer.flush()
        } catch {
            stop(because: "cannot write the consensus journal: \(error)")
            return
        }
        let released = nowMillis()
        timeline.signMillis += released - started
        for message in held {
            // The height's steps count an own vote from when it is durable and leaves.
            if case .vote(let vote) = message, vote.height == chain.nextHeight, vote.round == 0 {
                switch vote.type {
                case .prevote: timeline.prevoteMillis = timeline.prevoteMillis ?? released
                case .precommit: timeline.precommitMillis = timeline.precommitMillis ?? released
                }
            }
            gossip.broadcast(message)
        }
    }

    private func perform(_ effect: ConsensusEffect) -> [ConsensusInput] {
        switch effect {
        case .requestProposalBlock(let height, let round):
            guard height == chain.nextHeight, let validatorSigner else { return [] }
            let block = BlockBuilder.proposal(state: chain, proposer: validatorSigner.publicKey.address, timeMillis: UInt64(nowMillis()),
                                              lastCommit: lastCommit, evidence: evidencePool.items, mempool: mempool)
            return [.proposalBlock(block, height: height, round: round)]

        case .signProposal(var proposal, let block):
            guard let validatorSigner else { return [] }
            let signBytes = proposal.signBytes(chainID: settings.chainID)
            let unsigned = proposal, chainID = settings.chainID, validators = chain.validators
            // The local key's signature is verified by making it; any other (a remote signer's,
            // or the guard's stored one at a position signed before) is checked below.
            var signedHere: VerifiedProposal?
            guard let signature = authorize(
                height: proposal.height, round: proposal.round, step: .proposal, signBytes: signBytes,
                sign: { signBytes in
                    if case .local(let key) = validatorSigner,
                       let own = VerifiedProposal(signing: unsigned, chainID: chainID, with: key, validators: validators) {
                        signedHere = own
                        return own.proposal.signature
                    }
                    return try validatorSigner.sign(.proposal(chainID: chainID, proposal: unsigned), signBytes: signBytes)
                },
                record: { var signed = unsigned; signed.signature = $0; return .proposal(signed, block: block) })
            else { return [] }
            proposal.signature = signature
            guard let verified = signedHere ?? VerifiedProposal(verifying: proposal, chainID: chainID, validators: validators) else {
                return []
            }
            noteProposal(proposal)
            heldBroadcasts += [.proposal(proposal), .block(block)]
            metrics?.consensus?.proposals.increment()
            logger.debug("proposed", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                "txs": "\(block.transactions.count)"])
            return [.proposal(verified, block: block, blockIsValid: true)]

        case .signVote(var vote):
            guard let validatorSigner else { return [] }
            let signBytes = vote.signBytes(chainID: settings.chainID)
            let unsigned = vote, chainID = settings.chainID, validators = validatorSet(ofVoteAt: vote.height)
            // As for a proposal: the local key's signature is verified by making it.
            var signedHere: VerifiedVote?
            guard let signature = authorize(
                height: vote.height, round: vote.round, step: SignStep(vote.type), signBytes: signBytes,
                sign: { signBytes in
                    if case .local(let key) = validatorSigner, let validators,
                       let own = VerifiedVote(signing: unsigned, chainID: chainID, with: key, validators: validators) {
                        signedHere = own
                        return own.vote.signature
                    }
                    return try validatorSigner.sign(.vote(chainID: chainID, vote: unsigned), signBytes: signBytes)
                },
                record: { var signed = unsigned; signed.signature = $0; return .vote(signed) },
                signedVote: { var signed = unsigned; signed.signature = $0; return signed })
            else { return [] }
            vote.signature = signature
            guard let verified = signedHere.map(noteVerified) ?? verify(vote) else { return [] }
            heldBroadcasts.append(.vote(vote))
            #if DEBUG
            if settings.doubleSignForTesting, case .local(let key) = validatorSigner, vote.type == .prevote, vote.blockID != nil {
                var conflicting = vote
                conflicting.blockID = nil
                conflicting.signature = key.sign(conflicting.signBytes(chainID: settings.chainID))
                peers.broadcast(.vote(conflicting))
            }
            #endif
            return [.vote(verified)]

        case .scheduleTimeout(let event, let afterMillis):
            schedule(event, afterMillis: afterMillis)
            if event.kind == .commit { endCommitWaitIfComplete() }
            return []

        case .decide(let block, let commit):
            guard block.height == chain.nextHeight else { return [] }
            // Before the block's execution and store, which take a while for a large block:
            // peers that see this node still voting at the height they passed would send it
            // the decided block again (`ConsensusGossip` serves catch-up to peers behind it,
            // but not to one that announces it has decided).
            announce()
            guard let validatorsForHeightPlus2 = apply(block, commit) else { return [] }
            return [.heightApplied(block.height, validatorsForHeightPlus2: validatorsForHeightPlus2)]

        case .evidence(let evidence):
            logger.warning("double vote detected", metadata: ["validator": "\(evidence.validatorAddress)",
                                                              "height": "\(evidence.height)"])
            // Made by the core from votes verified against the set of their height.
            if evidencePool.add(evidence) { metrics?.evidenceSeen(.duplicateVote) }
            peers.broadcast(.evidence(evidence))
            return []

        case .requestBlock(let blockID, let height):
            // Gossip resends the round's proposal block to peers that announce they lack it;
            // a decided block comes by catch-up. Nothing to ask for explicitly.
            logger.debug("waiting for block", metadata: ["block": "\(blockID)", "height": "\(height)"])
            return []

        case .resendVotes(let votes):
            resend(votes)
            return []
        }
    }

    /// Persist, then sign: decided heights not yet stored are stored first, then the guard stages
    /// its new state, the buffered WAL records (those of the heights just decided among them,
    /// see 3 at the top) and the signed message's record (`record`) as one journal record, made
    /// durable by `releaseSigned` before the signed message leaves. A remote signer is asked inside the
    /// guard's decision, after this node's guard has agreed, so a signature this node refuses is
    /// never requested.
    private func authorize(height: Height, round: Round, step: SignStep, signBytes: [UInt8], sign: ([UInt8]) throws -> Signature,
                           record: (Signature) -> WALRecord, signedVote: (Signature) -> Vote? = { _ in nil }) -> Signature? {
        guard storeDecisions() else { return nil }
        let buffered = walBuffer
        let started = nowMillis()
        defer { timeline.signMillis += nowMillis() - started }
        do {
            let signature = try store.signer.authorize(
                height: height, round: round, step: step, signBytes: signBytes, sign: sign, signedVote: signedVote,
                walRecords: { signature in
                    let signed = record(signature)
                    return buffered.map { JournalEntry.WALRecord(height: $0.height, bytes: $0.bytes) }
                        + [JournalEntry.WALRecord(height: walHeight(signed), bytes: signed.canonicalBytes)]
                },
                flushNow: false)
            walBuffer.removeFirst(buffered.count)
            return signature
        } catch {
            if replayingWAL, case SignerRefusal.regression = error {
                // The core asks again for what it signed before the restart; the WAL record
                // of that signature comes next in the replay.
                logger.debug("not signing again during the WAL replay", metadata: ["height": "\(height)", "round": "\(round)",
                                                                                  "step": "\(step)", "reason": "\(error)"])
                return nil
            }
            // An unreachable signer is logged by its client, at most once per interval.
            if case RemoteSignerError.unavailable = error {} else {
                logger.error("refused to sign", metadata: ["height": "\(height)", "round": "\(round)", "step": "\(step)",
                                                           "reason": "\(error)"])
            }
            return nil
        }
    }

    /// A vote for the next height (which the core buffers) goes to that height's WAL, so a
    /// restart there replays it; everything else belongs to the height being decided.
    private func walHeight(_ record: WALRecord) -> Height {
        if case .vote(let vote) = record { return max(chain.nextHeight, vote.height) }
        return chain.nextHeight
    }

    /// Makes the buffered WAL records durable on their own (the buffer is full), through the
    /// guard's journal like every other WAL record, so the WAL keeps their order.
    private func flushWAL() -> Bool {
        // Unstored decisions first: the WAL of their heights is trimmed with them.
        guard storeDecisions() else { return false }
        let buffered = walBuffer
        do {
            try store.signer.appendWAL(buffered.map { JournalEntry.WALRecord(height: $0.height, bytes: $0.bytes) })
            walBuffer.removeFirst(buffered.count)
            return true
        } catch {
            stop(because: "cannot write the consensus WAL: \(error)")
            return false
        }
    }

    /// A precommit for the block this node has just decided, arriving after the decision. The
    /// decision froze the commit at the first 2/3+ of the power, so without this a validator
    /// whose precommit came a moment later would be absent from the next block's last_commit
    /// and counted as missing for downtime (docs/LEDGER.md) although it signed in time. Until
    /// the next height is decided, such a precommit fills its absent slot in the commit this
    /// node proposes as last_commit, as CometBFT's LastCommit keeps collecting through
    /// timeout_commit. The commit stored with the block stays as decided.
    private func addLatePrecommit(_ vote: Vote) {
        guard vote.type == .precommit, var commit = lastCommit, vote.height == commit.height, vote.round == commit.round,
              vote.blockID == commit.blockID, let validators = chain.lastValidators else { return }
        let index = Int(vote.validatorIndex)
        guard commit.signatures.indices.contains(index), commit.signatures[index] == .absent,
              verifier.takeVerified(vote) != nil || VerifiedVote(verifying: vote, chainID: settings.chainID, validators: validators) != nil
        else { return }
        commit.signatures[index] = .commit(vote.signature)
        lastCommit = commit
        // Another proposer's last_commit may repeat it: checked once is enough.
        if verifiedPrecommits.count < Self.verifiedPrecommitsMax { verifiedPrecommits.insert(vote) }
        endCommitWaitIfComplete()
    }

    /// The commit wait (`timeout_commit`) only gathers late precommits for the next proposal's
    /// last commit: once every validator's precommit for the decided block is in there is
    /// nothing left to gather, and the wait ends at once (CometBFT's `skip_timeout_commit`,
    /// taken only when it loses nothing). The next height then starts as any commit timeout
    /// would start it, held back on an empty mempool until a transaction or the heartbeat.
    /// A node configured with `skip_timeout_commit = false` always waits it out.
    private func endCommitWaitIfComplete() {
        guard settings.skipTimeoutCommit, consensus.phase == .committing, parkedCommitTimeout == nil, let commit = lastCommit,
              commit.height == consensus.height, !commit.signatures.contains(.absent) else { return }
        metrics?.consensus?.commitWaitsSkipped.increment()
        timerFired(TimeoutEvent(kind: .commit, height: commit.height, round: commit.round))
    }

    /// A vote of the current or the next height, verified against that height's set: by the
    /// gossip verifier already (taken from it), or here.
    func verify(_ vote: Vote) -> VerifiedVote? {
        guard let validators = validatorSet(ofVoteAt: vote.height),
              let verified = verifier.takeVerified(vote) ?? VerifiedVote(verifying: vote, chainID: settings.chainID, validators: validators)
        else { return nil }
        return noteVerified(verified)
    }

    /// The set a vote of the current or the next height is verified against; nil for any other height.
    private func validatorSet(ofVoteAt height: Height) -> ValidatorSet? {
        if height == chain.nextHeight { return chain.validators }
        if height > chain.nextHeight, height - chain.nextHeight == 1 { return chain.nextValidators }
        return nil
    }

    /// Remembers a verified precommit, which a later proposal's last commit may repeat.
    private func noteVerified(_ verified: VerifiedVote) -> VerifiedVote {
        if verified.vote.type == .precommit, verifiedPrecommits.count < Self.verifiedPrecommitsMax {
            verifiedPrecommits.insert(verified.vote)
        }
        return verified
    }

    // MARK: Timers

    private func schedule(_ event: TimeoutEvent, afterMillis: UInt64) {
        timeouts.removeAll(where: isStale)
        let due = ContinuousClock.now + .milliseconds(Int64(clamping: afterMillis))
        if let wakeUp = timeouts.add(event, due: due) { arm(wakeUp) }
    }

    private func arm(_ wakeUp: TimeoutSchedule.Instant) {
        Task { [weak self] in
            try? await Task.sleep(until: wakeUp, clock: .continuous)
            await self?.timeoutsDue(armedAt: wakeUp)
        }
    }

    private func timeoutsDue(armedAt wakeUp: TimeoutSchedule.Instant) {
        timeouts.removeAll(where: isStale)
        for event in timeouts.wake(armedAt: wakeUp, now: .now) { timerFired(event) }
        if let next = timeouts.nextWakeUp() { arm(next) }
    }

    /// A timeout the chain or the core has left behind. Heights only grow, so a stale timeout
    /// never becomes live again.
    private func isStale(_ event: TimeoutEvent) -> Bool {
        if event.kind == .commit {
            // A commit wait belongs to the height just decided, which the chain has already
            // left; it counts only while the core still waits it out (it may have ended early).
            return consensus.phase != .committing || consensus.height != event.height
        }
        return event.height != chain.nextHeight
    }

    func timerFired(_ event: TimeoutEvent) {
        guard !isStale(event) else { return }
        // A resend changes nothing in the core and is not logged (NodeDriver+Resend.swift).
        if event.kind == .resend { return run([.timeout(event)]) }
        if event.kind == .commit, nowMillis() - lastDecisionMillis < Double(settings.heartbeatMillis),
           mempool.wakeOnNextAdmission(unlessHolding: true, { [weak self] in Task { await self?.transactionAdded() } }) {
            // No transactions: hold the next height until one arrives (the mempool wakes the
            // driver) or the heartbeat is due, and store the decided block now instead of with
            // the next signature.
            parkedCommitTimeout = event
            storeDecisions()
            let remaining = Double(settings.heartbeatMillis) - (nowMillis() - lastDecisionMillis)
            schedule(event, afterMillis: UInt64(max(remaining, 1)))
            return
        }
        if event.kind == .commit {
            parkedCommitTimeout = nil
            timeline = HeightTimeline(startedMillis: nowMillis())
        } else {
            logTimeout(event)
        }
        deliver(.timeout(event), record: .timeout(event))
        afterProgress()
    }

    /// The mempool admitted a transaction while a height was held back for lack of them: it
    /// may start now. A wake-up that comes after the heartbeat started it changes nothing.
    func transactionAdded() {
        guard let event = parkedCommitTimeout else { return }
        parkedCommitTimeout = nil
        timeline = HeightTimeline(startedMillis: nowMillis())
        deliver(.timeout(event), record: .timeout(event))
        afterProgress()
    }

    /// After the core may have changed height: use what is held, and tell peers.
    private func afterProgress() {
        catchUpLater()
        handOverPending()
        announce()
    }

    // MARK: Deciding

    /// A decided block run through the ledger in memory, waiting to be stored.
    struct ExecutedDecision {
        var block: Block
        var commit: Commit
        var executed: ExecutedBlock
        var locations: [TransactionLocation]
    }

    /// A decided height run through the ledger and applied to the chain tip in memory, waiting
    /// for its store transaction.
    struct UnstoredDecision {
        var decision: ExecutedDecision
        var decidedMillis: Double
        var steps: HeightSteps?
        /// The set that signed the block's last commit (the height before it), for the metrics.
        var lastCommitSigners: ValidatorSet?
        /// Clients and subscribers were told (`tellFinal`); block sync's heights are told once stored.
        var told = false
    }

    /// Executes a block the core decided, moves the chain tip, tells clients and stores it (see
    /// the order at the top). Returns the validator set it decided for height + 2.
    func apply(_ block: Block, _ commit: Commit) -> ValidatorSet? {
        // Block sync is storing this height (and more) right now; the core restarts after it.
        guard !blockSync.storeInFlight else { return nil }
        // In place: a block that cannot be executed stops the node.
        guard let decision = execute(block, commit, after: chain, ledger: &ledger,
                                     verified: mempool.verifiedHashes(in: block.transactions)) else { return nil }
        let decidedMillis = nowMillis()
        let steps = commit.round == 0 ? timeline.steps(decidedMillis: decidedMillis) : nil
        var decided = advance(past: [decision], decidedMillis: decidedMillis, steps: steps)
        tellFinal(&decided)
        unstored += decided
        guard storeDecisions() else { return nil }
        return decision.executed.nextState.nextValidators
    }

    /// Stores the unstored decisions in a durable transaction of their own and publishes them.
    /// False when the store refused (the node stops).
    @discardableResult
    func storeDecisions() -> Bool {
        guard stopReason == nil else { return false }
        guard !unstored.isEmpty else { return true }
        let decisions = unstored
        guard store(decisions.map(\.decision)) != nil else { return false }
        unstored.removeFirst(decisions.count)
        publish(decisions)
        return true
    }

    /// Runs a decided block through `ledger`, which must be at `state`. A block that cannot be
    /// executed stops the node (every correct node fails on it the same way); `ledger` is then
    /// part-way through it and must be discarded.
    func execute(_ block: Block, _ commit: Commit, after state: ChainState, ledger: inout Ledger,
                         verified: Set<Hash>) -> ExecutedDecision? {
        do {
            let executed = try BlockExecutor.execute(block, state: state, ledger: &ledger, verifiedTransactions: verified)
            return ExecutedDecision(block: block, commit: commit, executed: executed,
                                    locations: TransactionLocation.all(in: block, result: executed.result))
        } catch {
            stop(because: "cannot execute decided block \(block.height): \(error)")
            return nil
        }
    }

    /// Stores executed decisions of consecutive heights, from `chain.nextHeight` on, in one
    /// LMDB transaction with the WAL trimmed past them. Returns the commit's duration, or nil
    /// (and the node stops) if the store refused it.
    private func store(_ decisions: [ExecutedDecision]) -> Double? {
        guard let commit = storeCommit(for: decisions, sync: .durableWithNextDurableCommit) else { return nil }
        let started = nowMillis()
        return finishStore(commit, result: Result { try commit.run() }, started: started)
    }

    /// One store transaction prepared from executed decisions, with the WAL of their heights
    /// trimmed.
    ///
    /// The core's decisions are committed with one device flush
    /// (`LMDBCommitSync.durableWithNextDurableCommit`): a system crash may undo the last of
    /// them, never half of one, and the node then decides it again from its WAL (see 3 at the
    /// top). Block sync's blocks came from peers, not through this node's WAL, so their commit
    /// is durable (two flushes).
    struct StoreCommit: Sendable {
        var lastHeight: Height
        var blocks: [DecidedBlockWrite]
        var store: NodeStore
        var sync: LMDBCommitSync

        func run() throws {
            try store.blocks.commit(blocks, sync: sync, alsoWrite: { [store, lastHeight] transaction in
                try store.wal.trim(below: lastHeight + 1, in: transaction)
            })
        }
    }

    private func decidedWrites(_ decisions: [ExecutedDecision]) throws -> [DecidedBlockWrite] {
        try decisions.map { decision in
            try BlockStore.decidedWrite(
                block: decision.block, commit: decision.commit,
                stateWrites: decision.executed.writes.map { StateWrite(key: $0.key, value: $0.value) },
                appHash: decision.executed.result.appHash,
                validatorSets: [(decision.block.height + 2, decision.executed.nextState.nextValidators)],
                transactions: decision.locations.map { ($0.hash, $0.index, $0.code, $0.log) })
        }
    }

    func storeCommit(for decisions: [ExecutedDecision], sync: LMDBCommitSync) -> StoreCommit? {
        guard let last = decisions.last?.block.height else { return nil }
        do {
            let blocks = try decidedWrites(decisions)
            // The stored heights' WAL records are trimmed with them; the buffered records of
            // later heights wait for the next journal append.
            return StoreCommit(lastHeight: last, blocks: blocks, store: store, sync: sync)
        } catch {
            stop(because: "cannot store decided block \(last): \(error)")
            return nil
        }
    }

    func finishStore(_ commit: StoreCommit, result: Result<Void, any Error>, started: Double) -> Double? {
        switch result {
        case .success:
            if let first = commit.blocks.first?.height { snapshotter?.stored(from: first, through: commit.lastHeight) }
            // A validator keeps the stored heights' records not yet journaled (the precommits
            // that decided them, when they came after its own) until its next journal append:
            // should a system crash undo this commit, that append is what lets a restart decide
            // these heights again from the WAL before it replays the next one (3 at the top).
            // Those of heights stored before are dropped, so a node that signs nothing for a
            // while (out of the set, jailed) holds one commit's worth at most.
            let keptFrom = commit.sync == .durable || validatorSigner == nil
                ? commit.lastHeight + 1 : commit.blocks.first?.height ?? commit.lastHeight + 1
            walBuffer.removeAll { $0.height < keptFrom }
            return nowMillis() - started
        case .failure(let error):
            stop(because: "cannot store decided block\(commit.blocks.count > 1 ? "s up to" : "") \(commit.lastHeight): \(error)")
            return nil
        }
    }

    /// Moves the chain tip past executed decisions (`ledger` already after the last of them)
    /// and prunes what those heights held; returns them for `publish` once they are stored.
    /// `steps`: the breakdown of a single height the core decided here.
    func advance(past decisions: [ExecutedDecision], decidedMillis: Double, steps: HeightSteps?) -> [UnstoredDecision] {
        guard let last = decisions.last else { return [] }
        // Each block's last commit was signed by the set of the height before it.
        var lastCommitSigners = chain.lastValidators
        var advanced: [UnstoredDecision] = []
        for decision in decisions {
            advanced.append(UnstoredDecision(decision: decision, decidedMillis: decidedMillis, steps: steps, lastCommitSigners: lastCommitSigners))
            lastCommitSigners = decision.executed.nextState.lastValidators
        }
        lastDecisionMillis = decidedMillis
        chain = last.executed.nextState
        lastCommit = last.commit
        let height = last.block.height
        mempool.update(committed: decisions.flatMap(\.block.transactions), ledger: ledger)
        evidencePool.prune(decided: height, included: decisions.flatMap(\.block.evidence))
        pendingProposals = pendingProposals.filter { $0.value.proposal.height > height }
        receivedBlocks = receivedBlocks.filter { $0.value.height > height }
        blockSync.prune(decided: height)
        blockQuota.keep { receivedBlocks[$0] != nil }
        verifier.update(chain: chain, ledger: ledger)
        verifiedPrecommits = verifiedPrecommits.filter { $0.height >= height }
        handedOverBlocks = []
        // The next height starts now, or when a commit wait ends (which starts it again).
        timeline = HeightTimeline(startedMillis: nowMillis())
        return advanced
    }

    /// Heights just decided: answers waiting clients and tells subscribers, before the store
    /// commit (see the order at the top); the chain queries serve them from `unstoredTail`
    /// until stored.
    func tellFinal(_ decided: inout [UnstoredDecision]) {
        for index in decided.indices where !decided[index].told {
            let decision = decided[index].decision, block = decision.block
            unstoredTail.add(decision)
            finalChain = decision.executed.nextState
            waiters.finalized(decision.locations)
            let latencyMillis = max(0, decided[index].decidedMillis - Double(block.header.timeMillis))
            events.publish(NodeEvent.finalized(FinalizedBlockEvent(
                height: block.height, hash: block.id.hash, timeMillis: block.header.timeMillis, transactionCount: block.transactions.count,
                round: decision.commit.round, latencyMillis: latencyMillis), transactions: decision.locations))
            decided[index].told = true
        }
    }

    /// Heights now stored: tells clients and subscribers of any not told yet, then logs and
    /// reports each and drops them from `unstoredTail`.
    func publish(_ stored: [UnstoredDecision]) {
        var stored = stored
        tellFinal(&stored)
        for item in stored {
            reporter.report(item.decision, decidedMillis: item.decidedMillis, lastCommitSigners: item.lastCommitSigners,
                            storeMillis: nowMillis() - item.decidedMillis, storedWith: stored.count, steps: item.steps,
                            mempoolCount: mempool.count, peerCount: peers.connectedPeers.count, view: validatorView)
        }
        if let last = stored.last?.decision.block.height { unstoredTail.removeStored(through: last) }
    }

    /// What the validator metrics read at a reported height.
    private func validatorView() -> HeightReporter.ValidatorView {
        HeightReporter.ValidatorView(me: validatorSigner?.publicKey.address, chain: chain, ledgerState: ledger.state,
                                     catchingUp: catchingUp, blocksyncTargetHeight: blockSync.peerCommitHeightMax)
    }

    func stop(because reason: String) {
        guard stopReason == nil else { return }
        stopReason = reason
        logger.critical("stopping: \(reason)")
        reporter.finishObservers()
        events.close(because: "the node stopped: \(reason)")
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
        gossip.updateLocalState(height: consensus.height, round: consensus.round, step: step,
                               polRound: consensus.polRoundLacking)
    }

    /// One message from a peer, already checked by the network layer for its frame, MAC and
    /// chain id.
    func receive(_ inbound: InboundMessage) async {
        guard stopReason == nil else { return }
        let height = chain.nextHeight
        switch inbound.message {
        case .vote(let vote):
            if vote.height == chain.lastBlockHeight {
                addLatePrecommit(vote)
                return
            }
            // The gossip verifier let through only heights H-1 to H+1 of its window, which
            // never runs ahead of this driver.
            guard vote.height >= height, vote.height - height <= 1 else { return }
            guard let verified = verify(vote) else {
                peers.disconnect(inbound.peer, reason: "invalid vote signature", misbehaving: true)
                return
            }
            deliver(.vote(verified), record: .vote(vote))
        case .proposal(let proposal):
            // The gossip verifier passes only proposals of its window's height, which a later
            // copy reaches again by gossip once this node is there.
            guard proposal.height == height else { return }
            guard pendingProposals.count < settings.pendingBlocksMax else {
                // Full of signed proposals (a byzantine proposer's many rounds): a later copy
                // of this one must still get through once room is made.
                peers.forget(inbound.message)
                return
            }
            guard let verified = verifier.takeVerified(proposal)
                    ?? VerifiedProposal(verifying: proposal, chainID: settings.chainID, validators: chain.validators) else {
                peers.disconnect(inbound.peer, reason: "invalid proposal signature", misbehaving: true)
                return
            }
            pendingProposals[proposal.blockID] = verified
            handOverPending()
        case .block(let block):
            // Blocks a little ahead are kept for block sync (the gossip verifier drops others).
            guard BlockSync.keeps(block.height, nextHeight: height) else { return }
            let id = block.id
            guard receivedBlocks[id] == nil else { return }
            receivedBlocks[id] = block
            // A held verified proposal vouches for its block; any other counts against its sender.
            if pendingProposals[id] == nil, let evicted = blockQuota.add(id, from: inbound.peer) {
                if let dropped = receivedBlocks.removeValue(forKey: evicted) {
                    // The network drops repeats of what it delivered; a later copy must get through.
                    peers.forget(.block(dropped))
                }
                quotaExceeded(by: inbound.peer, what: "blocks")
            }
            catchUpLater()
            handOverPending()
        case .commit(let commit):
            switch blockSync.hold(commit, from: inbound.peer, nextHeight: height) {
            case .outsideWindow:
                return
            case .alreadyHeld:
                // A later copy of another commit for the block is taken once this one is
                // checked (and, if junk, dropped).
                peers.forget(inbound.message)
                return
            case .held(let evicted, let newTarget):
                if let evicted {
                    peers.forget(.commit(evicted))
                    quotaExceeded(by: inbound.peer, what: "commits")
                }
                if newTarget {
                    reporter.reportBlocksync(syncing: catchingUp, targetHeight: blockSync.peerCommitHeightMax)
                }
            }
            catchUpLater()
        case .evidence(let evidence):
            switch EvidenceRules(ledger: ledger).problem(evidence, includedAt: height) {
            case nil:
                if evidencePool.add(evidence) { metrics?.evidenceSeen(.duplicateVote) }
            case .signature:
                peers.disconnect(inbound.peer, reason: "evidence with an invalid signature", misbehaving: true)
            case .unknownValidator, .future, .tooOld:
                // Outside what this node can use now; no sign of bad faith.
                break
            }
        case .transaction, .transactions:
            // Admitted and relayed on the network thread (`GossipVerifier`), never delivered; a
            // batch is taken apart before that (`PeerManager`).
            break
        case .hello, .auth, .peerState, .blockPart, .blockRequest, .powBlock, .powBlockRequest, .powHeadersRequest, .powHeaders, .checkpointVote,
             .keepAlive:
            break
        }
        announce()
    }

    /// A peer sent more blocks or commits for the heights ahead than it has room for. An honest
    /// peer never does: it relays only blocks a verified proposal names, and serves at most the
    /// `heightsAheadKept` heights block sync asks it for, each once. So it is cut off and backed off.
    private func quotaExceeded(by peer: NodeID, what: String) {
        peers.disconnect(peer, reason: "more held \(what) than its quota of \(BlockSync.heldPerPeerMax)", misbehaving: true)
    }

    /// Gives the core the held proposals whose blocks are here, and blocks that came without a
    /// proposal (2/3+ precommits may name them), once the core runs the chain's next height.
    func handOverPending() {
        guard consensus.phase == .running, consensus.height == chain.nextHeight else { return }
        for id in pendingProposals.keys.sorted() {
            guard let block = receivedBlocks[id], let proposal = pendingProposals.removeValue(forKey: id) else { continue }
            handedOverBlocks.insert(id)
            Task { await self.handleProposal(proposal, block) }
        }
        // A block whose commit is here is block sync's to apply, not the core's to vote on.
        for id in receivedBlocks.keys.sorted() where !handedOverBlocks.contains(id) && pendingProposals[id] == nil
            && !blockSync.holdsCommit(for: id) {
            guard let block = receivedBlocks[id], block.height == chain.nextHeight else { continue }
            handedOverBlocks.insert(id)
            Task { await self.handleBlock(block) }
        }
    }

    private func handleProposal(_ verified: VerifiedProposal, _ block: Block) async {
        let proposal = verified.proposal
        guard proposal.blockID == block.id else { return }
        let problem = await problem(with: block)
        guard proposal.height == chain.nextHeight, stopReason == nil else { return }
        if let problem {
            logger.warning("invalid proposal", metadata: ["height": "\(proposal.height)", "round": "\(proposal.round)",
                                                          "reason": "\(problem)"])
        }
        noteProposal(proposal)
        deliver(.proposal(verified, block: block, blockIsValid: problem == nil), record: .proposal(proposal, block: block))
        announce()
    }

    /// The first round-0 proposal of the current height, built here or received, ends the
    /// height's propose step.
    private func noteProposal(_ proposal: Proposal) {
        if proposal.height == chain.nextHeight, proposal.round == 0, timeline.proposalMillis == nil {
            timeline.proposalMillis = nowMillis()
        }
    }

    private func handleBlock(_ block: Block) async {
        let valid = await problem(with: block) == nil
        guard block.height == chain.nextHeight, stopReason == nil else { return }
        deliver(.block(block, blockIsValid: valid), record: .block(block))
        announce()
    }
}
