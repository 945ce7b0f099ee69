import Logging
import NIOPosix
import RatifyConsensus
import RatifyCore
import RatifyGossip
import RatifyLedger
import RatifyNet
import Synchronization
import RatifyTestSupport
import Testing
@testable import RatifyNode

/// What a peer that completed the handshake can send the node and what becomes of it: the
/// gossip verifier's window and signature checks, evidence as the ledger checks it, the
/// evidence pool and the per-peer quotas on held data.
@Suite("byzantine input: gossip verifier, evidence, held data", .serialized)
struct ByzantineInputTests {
    static let chainID = ChainFixture.chainID

    /// A vote signed by the member at `index` of `set`.
    static func vote(_ type: VoteType = .prevote, height: Height, round: Round = 0, index: Int, set: ValidatorSet,
                     blockID: BlockID? = BlockID(hash: Hash.sha256([1]))) throws -> Vote {
        let member = set.validators[index]
        let key = try #require(ChainFixture.validatorKeys.first { $0.publicKey == member.publicKey })
        var vote = Vote(type: type, height: height, round: round, blockID: blockID, validatorAddress: member.address,
                        validatorIndex: UInt32(index))
        vote.signature = key.sign(vote.signBytes(chainID: chainID))
        return vote
    }

    /// Two conflicting prevotes of the member at `index`.
    static func evidence(height: Height, index: Int, set: ValidatorSet) throws -> DuplicateVoteEvidence {
        try DuplicateVoteEvidence(try vote(height: height, index: index, set: set, blockID: BlockID(hash: Hash.sha256([7]))),
                                  try vote(height: height, index: index, set: set, blockID: nil))
    }

    static func forged(_ vote: Vote) -> Vote {
        var forged = vote
        forged.blockID = BlockID(hash: Hash.sha256([0xBA, 0xD]))  // the signature no longer matches
        return forged
    }

    // MARK: Gossip verifier

    static func verifier(_ fixture: ChainFixture) -> GossipVerifier {
        GossipVerifier(chain: fixture.state, ledger: fixture.ledger, mempool: Mempool(limits: MempoolTests.limits, ledger: fixture.ledger))
    }

    @Test("a vote at height 2^64-1 and round max is ignored without a trap; one of H or H+1 is verified once and handed to the driver")
    func votesByHeight() throws {
        let fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let set = fixture.state.validators
        let extreme = try Self.vote(height: .max, round: .max, index: 0, set: set)
        #expect(verifier.verdict(.vote(extreme)) == .ignored)
        #expect(verifier.takeVerified(extreme) == nil)
        let current = try Self.vote(height: 1, index: 1, set: set)
        #expect(verifier.verdict(.vote(current)) == .verified)
        #expect(verifier.takeVerified(current)?.vote == current)
        #expect(verifier.takeVerified(current) == nil)
        #expect(verifier.verdict(.vote(try Self.vote(height: 2, index: 1, set: fixture.state.nextValidators))) == .verified)
        #expect(verifier.verdict(.vote(try Self.vote(height: 3, index: 1, set: set))) == .ignored)
        #expect(verifier.verdict(.vote(try Self.vote(height: 0, index: 1, set: set))) == .ignored)
    }

    @Test("a forged vote for a real validator's slot, or an index past the set, is invalid and never handed to the driver")
    func forgedVotes() throws {
        let fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let real = try Self.vote(height: 1, index: 2, set: fixture.state.validators)
        let forged = Self.forged(real)
        #expect(verifier.verdict(.vote(forged)) == .invalid("vote"))
        #expect(verifier.takeVerified(forged) == nil)
        var misplaced = real
        misplaced.validatorIndex = .max
        #expect(verifier.verdict(.vote(misplaced)) == .invalid("vote"))
        #expect(verifier.verdict(.vote(real)) == .verified)
    }

    @Test("after a height moves the window: late precommits of H-1 are verified against the last set, its prevotes ignored")
    func windowMovesWithTheChain() async throws {
        var fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let firstSet = fixture.state.validators
        try await fixture.commitBlock(mempool: Mempool(limits: MempoolTests.limits, ledger: fixture.ledger))
        verifier.update(chain: fixture.state, ledger: fixture.ledger)
        #expect(verifier.verdict(.vote(try Self.vote(.precommit, height: 1, index: 0, set: firstSet))) == .verified)
        #expect(verifier.verdict(.vote(try Self.vote(.prevote, height: 1, index: 0, set: firstSet))) == .ignored)
        #expect(verifier.verdict(.vote(try Self.vote(height: 2, index: 0, set: fixture.state.validators))) == .verified)
    }

    @Test("proposals: only the window's height, signed by a member of its set")
    func proposals() throws {
        let fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let block = fixture.proposal { _, _ in [] }
        let proposerKey = try #require(ChainFixture.validatorKeys.first { $0.publicKey.address == block.header.proposerAddress })
        func signed(height: Height, round: Round = 0) -> Proposal {
            var proposal = Proposal(height: height, round: round, polRound: nil, blockID: block.id, proposerAddress: proposerKey.publicKey.address)
            proposal.signature = proposerKey.sign(proposal.signBytes(chainID: Self.chainID))
            return proposal
        }
        let proposal = signed(height: 1)
        #expect(verifier.verdict(.proposal(proposal)) == .verified)
        #expect(verifier.takeVerified(proposal)?.proposal == proposal)
        #expect(verifier.verdict(.proposal(signed(height: .max, round: .max))) == .ignored)
        #expect(verifier.verdict(.proposal(signed(height: 2))) == .ignored)
        var forged = proposal
        forged.round = 3
        #expect(verifier.verdict(.proposal(forged)) == .invalid("proposal"))
    }

    @Test("blocks: past the block-sync window ignored, a body that does not match its header invalid, others go to the driver")
    func blocks() throws {
        let fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let block = fixture.proposal { _, _ in [] }
        #expect(verifier.verdict(.block(block)) == .unverified)
        var far = block
        far.header.height = .max
        #expect(verifier.verdict(.block(far)) == .ignored)
        var ahead = block
        ahead.header.height = 1 + BlockSync.heightsAheadKept + 1
        #expect(verifier.verdict(.block(ahead)) == .ignored)
        var junk = block
        var other = try ChainFixture()
        junk.transactions = [other.transfer(ChainFixture.alice)]
        guard case .invalid = verifier.verdict(.block(junk)) else {
            Issue.record("a block whose body does not match its header must be invalid")
            return
        }
        #expect(verifier.verdict(.commit(Commit(height: .max, round: 0, blockID: block.id, signatures: []))) == .ignored)
    }

    @Test("evidence at 2^64-1, about a stranger or with a forged vote is never verified; a real double vote is")
    func evidenceVerdicts() throws {
        let fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let set = fixture.state.validators
        #expect(verifier.verdict(.evidence(try Self.evidence(height: 1, index: 0, set: set))) == .verified)
        #expect(verifier.verdict(.evidence(try Self.evidence(height: .max, index: 0, set: set))) == .ignored)
        let real = try Self.evidence(height: 1, index: 1, set: set)
        let forged = try DuplicateVoteEvidence(real.voteA, Self.forged(real.voteB))
        #expect(verifier.verdict(.evidence(forged)) == .invalid("evidence"))
        let stranger = ChainFixture.alice
        var a = Vote(type: .prevote, height: 1, round: 0, blockID: nil, validatorAddress: stranger.publicKey.address, validatorIndex: 0)
        a.signature = stranger.sign(a.signBytes(chainID: Self.chainID))
        var b = a
        b.blockID = BlockID(hash: Hash.sha256([3]))
        b.signature = stranger.sign(b.signBytes(chainID: Self.chainID))
        #expect(verifier.verdict(.evidence(try DuplicateVoteEvidence(a, b))) == .ignored)
    }

    @Test("a gossiped transaction is admitted by the verifier itself: a good one is held and relayed, a copy dropped, a forged one invalid")
    func transactionVerdicts() throws {
        var fixture = try ChainFixture()
        let verifier = Self.verifier(fixture)
        let good = fixture.transfer(ChainFixture.alice)
        #expect(verifier.verdict(.transaction(TransactionGossip(good))) == .admitted)
        #expect(verifier.mempool.contains(good.hash))
        #expect(verifier.verdict(.transaction(TransactionGossip(good, sentTo: [Self.config(0x51).nodeID]))) == .ignored)
        var forged = fixture.transfer(ChainFixture.bob)
        forged.payload = .transfer(to: ChainFixture.carol.publicKey.address, amount: 999)
        #expect(verifier.verdict(.transaction(TransactionGossip(forged))) == .invalid("transaction"))
        let gap = fixture.transfer(ChainFixture.carol, nonce: 5)
        #expect(verifier.verdict(.transaction(TransactionGossip(gap))) == .ignored)
        #expect(verifier.mempool.count == 1)
    }

    @Test("a proof-of-work node ignores proof-of-stake messages and leaves its own and transactions to the driver, which relays what it checked")
    func proofOfWorkVerdicts() throws {
        let fixture = try ChainFixture()
        let vote = try Self.vote(height: .max, round: .max, index: 0, set: fixture.state.validators)
        #expect(PoWDriver.messageVerifier(.vote(vote)) == .ignored)
        #expect(PoWDriver.messageVerifier(.evidence(try Self.evidence(height: 1, index: 0, set: fixture.state.validators))) == .ignored)
        #expect(PoWDriver.messageVerifier(.block(fixture.proposal { _, _ in [] })) == .ignored)
        var other = try ChainFixture()
        #expect(PoWDriver.messageVerifier(.transaction(TransactionGossip(other.transfer(ChainFixture.alice)))) == .unverified)
        #expect(PoWDriver.messageVerifier(.powBlockRequest(hash: Hash.sha256([1]))) == .unverified)
        #expect(PoWDriver.messageVerifier(.powHeadersRequest(PoWLocator([Hash.sha256([1])]))) == .unverified)
        #expect(PoWDriver.messageVerifier(.powHeaders(PoWHeaderBatch([]))) == .unverified)
    }

    // MARK: Evidence in blocks and in the pool

    private func rejection(_ evidence: [DuplicateVoteEvidence], fixture: ChainFixture) async -> BlockValidationError? {
        let block = BlockBuilder.proposal(state: fixture.state, proposer: fixture.state.proposer(round: 0).address,
                                          timeMillis: fixture.state.lastBlockTimeMillis + 1_000, lastCommit: nil,
                                          evidence: evidence) { _, _ in [] }
        do {
            _ = try await BlockValidator().validate(block, state: fixture.state, evidence: EvidenceRules(ledger: fixture.ledger))
            return nil
        } catch {
            return error
        }
    }

    @Test("a block's evidence is checked as the ledger would: junk, future, duplicated or forged evidence refuses the block")
    func blockEvidence() async throws {
        let fixture = try ChainFixture()
        let set = fixture.state.validators
        let real = try Self.evidence(height: 1, index: 0, set: set)
        #expect(await rejection([real], fixture: fixture) == nil)
        #expect(await rejection([real, real], fixture: fixture) == .duplicateEvidence)
        let extreme = try Self.evidence(height: .max, index: 1, set: set)
        #expect(await rejection([real, extreme], fixture: fixture) == .evidence(index: 1, .future(height: .max, includedAt: 1)))
        let forged = try DuplicateVoteEvidence(real.voteA, Self.forged(real.voteB))
        #expect(await rejection([forged], fixture: fixture) == .evidence(index: 0, .signature))
        let junk = try (0..<100).map { round in
            try DuplicateVoteEvidence(Self.forged(try Self.vote(height: 1, round: Round(round), index: 2, set: set)),
                                      try Self.vote(height: 1, round: Round(round), index: 2, set: set, blockID: nil))
        }
        #expect(await rejection(junk, fixture: fixture) == .evidence(index: 0, .signature))
    }

    @Test("evidence older than the ledger's window is refused; the age check does not underflow near height 0")
    func evidenceAge() throws {
        let fixture = try ChainFixture()
        let rules = EvidenceRules(ledger: fixture.ledger)
        let evidence = try Self.evidence(height: 1, index: 0, set: fixture.state.validators)
        #expect(rules.problem(evidence, includedAt: 1) == nil)
        #expect(rules.problem(evidence, includedAt: 1 + rules.ageBlocksMax) == nil)
        #expect(rules.problem(evidence, includedAt: 2 + rules.ageBlocksMax) == .tooOld(height: 1, oldestAllowed: 2))
        #expect(rules.problem(evidence, includedAt: .max) == .tooOld(height: 1, oldestAllowed: .max - rules.ageBlocksMax))
    }

    @Test("the evidence pool prunes next to evidence at 2^64-1 without a trap, drops what blocks included and what is old")
    func evidencePoolPruning() throws {
        let fixture = try ChainFixture()
        let set = fixture.state.validators
        var pool = EvidencePool()
        let old = try Self.evidence(height: 1, index: 0, set: set)
        let recent = try Self.evidence(height: 4, index: 1, set: set)
        let included = try Self.evidence(height: 5, index: 2, set: set)
        let extreme = try Self.evidence(height: .max, index: 3, set: set)
        for item in [old, recent, included, extreme] {
            let added = pool.add(item)
            #expect(added)
        }
        let again = pool.add(old)
        #expect(!again)
        pool.prune(decided: 5, included: [included])
        #expect(pool.items == [recent, extreme])
        pool.prune(decided: .max, included: [])
        #expect(pool.items == [extreme])
    }

    // MARK: Held data

    @Test("a peer flooding held data pushes out only its own oldest items")
    func perPeerQuota() {
        var quota = PeerQuota<Int>(limitPerPeer: 3)
        let flooder = ChainFixture.alice.publicKey.address, honest = ChainFixture.bob.publicKey.address
        var evicted = [quota.add(100, from: honest), quota.add(100, from: honest)]
        for item in 0..<5 { evicted.append(quota.add(item, from: flooder)) }
        #expect(evicted == [nil, nil, nil, nil, nil, 0, 1])
        #expect(quota.count(from: flooder) == 3)
        #expect(quota.count(from: honest) == 1)
        quota.keep { $0 != 100 }
        #expect(quota.count(from: honest) == 0)
    }

    // MARK: Real sessions

    final class Collected: Sendable {
        let messages = Mutex<[NetMessage]>([])
        var votes: [Vote] { messages.withLock { $0.compactMap { if case .vote(let vote) = $0 { vote } else { nil } } } }
        var transactions: [Transaction] {
            messages.withLock { $0.compactMap { if case .transaction(let gossip) = $0 { gossip.transaction } else { nil } } }
        }
    }

    static func collect(_ manager: PeerManager) -> Collected {
        let collected = Collected()
        Task { for await inbound in manager.inbound { collected.messages.withLock { $0.append(inbound.message) } } }
        return collected
    }

    static func config(_ seed: UInt8, dialing target: PeerManager? = nil) -> NetConfig {
        var config = NetConfig(chainID: chainID, nodeKey: KeyPair(seed: [UInt8](repeating: seed, count: 32)) ?? KeyPair.generate())
        config.listenHost = "127.0.0.1"
        config.listenPort = 0
        config.gossipIntervalMillis = 50
        config.dialBackoffBaseMillis = 50
        config.dialBackoffMaxMillis = 400
        if let target, let port = target.listeningPort {
            config.persistentPeers = [PeerAddress(nodeID: target.nodeID, endpoint: HostPort(host: "127.0.0.1", port: UInt16(port)))]
        }
        return config
    }

    /// Plain peers (no verifier of their own) that dial `node`, returned once all are connected.
    static func peers(dialing node: PeerManager, seeds: [UInt8], group: MultiThreadedEventLoopGroup, logger: Logger) async throws -> [PeerManager] {
        var peers: [PeerManager] = []
        for seed in seeds {
            let peer = PeerManager(config: Self.config(seed, dialing: node), group: group, logger: logger)
            try await peer.start()
            peers.append(peer)
        }
        #expect(await Self.until { node.connectedPeers.count == seeds.count })
        return peers
    }

    static func until(seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("with the node's verifier: a 2^64-1 vote and a forged vote stay out of gossip, the forger alone is cut off, the real vote propagates")
    func nodeVerifierOverRealSessions() async throws {
        let fixture = try ChainFixture()
        let set = fixture.state.validators
        let group = MultiThreadedEventLoopGroup.singleton
        let logger = Logger(label: "byzantine-test")
        let node = PeerManager(config: Self.config(0x31), group: group, logger: logger,
                               verifier: Self.verifier(fixture).messageVerifier)
        let gossip = ConsensusGossip(peers: node)
        try await node.start()
        gossip.updateLocalState(height: 1, round: 0, step: .prevote)
        let atNode = Self.collect(node)
        let others = try await Self.peers(dialing: node, seeds: [0x32, 0x33, 0x34], group: group, logger: logger)
        let (honest, observer, attacker) = (others[0], others[1], others[2])
        let atObserver = Self.collect(observer)

        let extreme = try Self.vote(height: .max, round: .max, index: 0, set: set)
        let real = try Self.vote(height: 1, index: 0, set: set)
        attacker.broadcast(.vote(extreme))
        attacker.broadcast(.vote(Self.forged(real)))
        #expect(await Self.until { !node.connectedPeers.contains(attacker.nodeID) })
        #expect(node.stats.disconnects["invalid_signature", default: 0] == 1)

        honest.broadcast(.vote(real))
        #expect(await Self.until { atObserver.votes.contains(real) })
        #expect(atObserver.votes == [real])
        #expect(atNode.votes == [real])
        #expect(gossip.storedVotes == 1)
        #expect(Set(node.connectedPeers) == [honest.nodeID, observer.nodeID])
        #expect(honest.stats.disconnects.isEmpty && observer.stats.disconnects.isEmpty)
        for manager in others + [node] { await manager.shutdown() }
    }

    @Test("with the node's verifier: a peer's transaction is admitted and relayed without reaching the driver; a forged one cuts off its sender")
    func transactionsOverRealSessions() async throws {
        var fixture = try ChainFixture()
        let group = MultiThreadedEventLoopGroup.singleton
        let logger = Logger(label: "byzantine-test")
        let verifier = Self.verifier(fixture)
        let node = PeerManager(config: Self.config(0x61), group: group, logger: logger, verifier: verifier.messageVerifier)
        try await node.start()
        let atNode = Self.collect(node)
        let others = try await Self.peers(dialing: node, seeds: [0x62, 0x63, 0x64], group: group, logger: logger)
        let (honest, observer, attacker) = (others[0], others[1], others[2])
        let atObserver = Self.collect(observer)

        // Sent to the node alone: the observer can only have it from the node's relay.
        let good = fixture.transfer(ChainFixture.alice)
        #expect(honest.send(.transaction(TransactionGossip(good)), to: node.nodeID))
        #expect(await Self.until { atObserver.transactions.contains(good) })
        #expect(verifier.mempool.contains(good.hash))

        // A batch: each of its transactions takes the same road, one after the other.
        let batch = [fixture.transfer(ChainFixture.alice), fixture.transfer(ChainFixture.alice)]
        #expect(honest.send(.transactions(TransactionBatch(batch)), to: node.nodeID))
        #expect(await Self.until { batch.allSatisfy { atObserver.transactions.contains($0) } })
        #expect(batch.allSatisfy { verifier.mempool.contains($0.hash) })

        // A forged transaction, alone and then inside a batch after a good one.
        var forged = fixture.transfer(ChainFixture.bob)
        forged.payload = .transfer(to: ChainFixture.carol.publicKey.address, amount: 999)
        #expect(attacker.send(.transaction(TransactionGossip(forged)), to: node.nodeID))
        #expect(await Self.until { !node.connectedPeers.contains(attacker.nodeID) })
        #expect(node.stats.disconnects["invalid_signature", default: 0] == 1)
        #expect(!verifier.mempool.contains(forged.hash))
        #expect(!atObserver.transactions.contains(forged))
        let beforeForged = fixture.transfer(ChainFixture.carol)
        #expect(observer.send(.transactions(TransactionBatch([beforeForged, forged])), to: node.nodeID))
        #expect(await Self.until { !node.connectedPeers.contains(observer.nodeID) })
        #expect(node.stats.disconnects["invalid_signature", default: 0] == 2)
        #expect(verifier.mempool.contains(beforeForged.hash))
        #expect(!verifier.mempool.contains(forged.hash))
        #expect(atNode.messages.withLock { $0.isEmpty }, "a transaction never reaches the driver's inbound stream")
        for manager in others + [node] { await manager.shutdown() }
    }

    @Test("junk proposals: 200 for a future height are ignored and relayed to no one (no flood); a forged one for the current height cuts off its sender")
    func junkProposalsOverRealSessions() async throws {
        let fixture = try ChainFixture()
        let group = MultiThreadedEventLoopGroup.singleton
        let logger = Logger(label: "byzantine-test")
        let node = PeerManager(config: Self.config(0x41), group: group, logger: logger,
                               verifier: Self.verifier(fixture).messageVerifier)
        let gossip = ConsensusGossip(peers: node)
        try await node.start()
        gossip.updateLocalState(height: 1, round: 0, step: .propose)
        let atNode = Self.collect(node)
        let observer = PeerManager(config: Self.config(0x42, dialing: node), group: group, logger: logger)
        try await observer.start()
        let attacker = PeerManager(config: Self.config(0x43, dialing: node), group: group, logger: logger)
        try await attacker.start()
        let atObserver = Self.collect(observer)
        #expect(await Self.until { node.connectedPeers.count == 2 })

        let stranger = ChainFixture.alice
        for round in 0..<200 {
            var junk = Proposal(height: 5, round: Round(round), polRound: nil, blockID: BlockID(hash: Hash.sha256([UInt8(round % 256)])),
                                proposerAddress: stranger.publicKey.address)
            junk.signature = stranger.sign(junk.signBytes(chainID: Self.chainID))
            attacker.broadcast(.proposal(junk))
        }
        // A marker the attacker sends after them: once the observer has it, the junk was handled.
        let marker = try Self.vote(height: 1, index: 3, set: fixture.state.validators)
        attacker.broadcast(.vote(marker))
        #expect(await Self.until { atObserver.votes.contains(marker) })
        let proposals = { (collected: Collected) in
            collected.messages.withLock { $0.filter { if case .proposal = $0 { true } else { false } }.count }
        }
        #expect(proposals(atObserver) == 0)
        #expect(proposals(atNode) == 0)
        #expect(node.connectedPeers.contains(attacker.nodeID))

        var forged = Proposal(height: 1, round: 0, polRound: nil, blockID: BlockID(hash: Hash.sha256([1])),
                              proposerAddress: fixture.state.validators.validators[0].address)
        forged.signature = stranger.sign(forged.signBytes(chainID: Self.chainID))
        attacker.broadcast(.proposal(forged))
        #expect(await Self.until { !node.connectedPeers.contains(attacker.nodeID) })
        #expect(proposals(atObserver) == 0)
        #expect(node.connectedPeers == [observer.nodeID])
        for manager in [attacker, observer, node] { await manager.shutdown() }
    }
}
