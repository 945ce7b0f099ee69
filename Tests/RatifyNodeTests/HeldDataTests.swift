import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
@testable import RatifyNet
@testable import RatifyNode
import RatifyStore
import RatifyTestSupport
import Testing

/// A node's driver on a real store, fed peers' messages directly: junk blocks, commits and
/// evidence from one peer must not keep an honest peer's block sync out.
@Suite("held blocks and commits", .serialized)
struct HeldDataTests {
    struct Node {
        let directory: TemporaryDirectory
        let store: NodeStore
        let driver: NodeDriver
        let peers: PeerManager
        let chain: ChainState
    }

    /// A non-validator driver at genesis, on the node-test chain.
    static func node() throws -> Node {
        let directory = try TemporaryDirectory()
        let genesis = ChainFixture.genesis
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: genesis)
        let (ledger, chain, lastCommit) = try ProofOfStakeEngine.recover(genesis: genesis, store: store)
        var config = NetConfig(chainID: genesis.chainID, nodeKey: KeyPair.generate())
        config.listenHost = "127.0.0.1"
        config.listenPort = 0
        let peers = PeerManager(config: config)
        let settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: ConsensusParameters(genesis.consensus),
                                           heartbeatMillis: genesis.consensus.heartbeatMillis)
        let driver = NodeDriver(settings: settings, store: store, peers: peers, verifier: GossipVerifier(chain: chain, ledger: ledger, mempool: Mempool(limits: MempoolTests.limits, ledger: ledger)),
                                waiters: TransactionWaiters(waitersMax: 16),
                                metrics: nil, validatorSigner: nil, ledger: ledger, chain: chain, lastCommit: lastCommit,
                                logger: Logger(label: "held-data-test"))
        return Node(directory: directory, store: store, driver: driver, peers: peers, chain: chain)
    }

    static func junkBlock(height: Height, seed: UInt64) -> Block {
        Block.make(chainID: ChainFixture.chainID, height: height, timeMillis: 1_790_000_000_000 + seed,
                   lastBlockID: BlockID(hash: Hash.sha256([9])), lastCommit: nil, transactions: [], evidence: [],
                   validatorsHash: Hash.sha256([2]), nextValidatorsHash: Hash.sha256([3]), appHash: Hash.sha256([4]),
                   proposerAddress: ChainFixture.alice.publicKey.address)
    }

    static func message(_ message: NetMessage, from peer: NodeID) -> InboundMessage {
        InboundMessage(peer: peer, message: message, transport: .tcp)
    }

    static func until(seconds: Double = 20, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    @Test("hundreds of junk future blocks and commits from one peer stay within its quota and cut it off; an honest peer's block 1 still syncs")
    func junkDoesNotCrowdOutSync() async throws {
        let node = try Self.node()
        defer { node.store.close() }
        try await node.peers.start()
        var attackerConfig = NetConfig(chainID: ChainFixture.chainID, nodeKey: KeyPair.generate())
        attackerConfig.listenHost = "127.0.0.1"
        attackerConfig.listenPort = 0
        let port = UInt16(try #require(node.peers.listeningPort))
        attackerConfig.persistentPeers = [PeerAddress(nodeID: node.peers.nodeID, endpoint: HostPort(host: "127.0.0.1", port: port))]
        let attackerPeers = PeerManager(config: attackerConfig)
        try await attackerPeers.start()
        #expect(await Self.until { node.peers.connectedPeers == [attackerPeers.nodeID] })
        let attacker = attackerPeers.nodeID, honest = ChainFixture.bob.publicKey.address
        for seed in 0..<300 {
            let height = 2 + Height(seed % Int(BlockSync.heightsAheadKept))
            await node.driver.receive(Self.message(.block(Self.junkBlock(height: height, seed: UInt64(seed))), from: attacker))
            let commit = Commit(height: height, round: 0, blockID: BlockID(hash: Hash.sha256(Array("junk \(seed)".utf8))), signatures: [])
            await node.driver.receive(Self.message(.commit(commit), from: attacker))
        }
        #expect(await node.driver.receivedBlocks.count == BlockSync.heldPerPeerMax)
        #expect(await node.driver.blockSync.commits.count == BlockSync.heldPerPeerMax)
        // No honest peer sends more than block sync asks for: the flooder is cut off and backed off.
        #expect(await Self.until { node.peers.connectedPeers.isEmpty })
        #expect(node.peers.stats.penalties == 1)
        // Evidence at 2^64-1 never reaches the pool, so no later decision prunes around it.
        let set = node.chain.validators
        let extreme = try ByzantineInputTests.evidence(height: .max, index: 0, set: set)
        await node.driver.receive(Self.message(.evidence(extreme), from: attacker))
        #expect(await node.driver.evidencePool.items.isEmpty)

        let block = BlockBuilder.proposal(state: node.chain, proposer: node.chain.proposer(round: 0).address,
                                          timeMillis: node.chain.lastBlockTimeMillis + 1_000, lastCommit: nil) { _, _ in [] }
        let commit = ChainFixture.commit(for: block, validators: node.chain.validators)
        await node.driver.receive(Self.message(.commit(commit), from: honest))
        await node.driver.receive(Self.message(.block(block), from: honest))
        #expect(await Self.until { await node.driver.chain.nextHeight == 2 })
        #expect(await node.driver.chain.lastBlockID == block.id)
        // What the chain passed is pruned, and the quotas with it.
        #expect(await node.driver.receivedBlocks.values.allSatisfy { $0.height > 1 })
        await attackerPeers.shutdown()
        await node.peers.shutdown()
    }

    @Test("junk commits for the next height whose blocks never come do not hide the honest commit and block")
    func junkCommitsAtTheNextHeight() async throws {
        let node = try Self.node()
        defer { node.store.close() }
        let attacker = ChainFixture.alice.publicKey.address, honest = ChainFixture.bob.publicKey.address
        for seed in 0..<30 {
            let junk = Commit(height: 1, round: 0, blockID: BlockID(hash: Hash.sha256(Array("no such block \(seed)".utf8))), signatures: [])
            await node.driver.receive(Self.message(.commit(junk), from: attacker))
        }
        let block = BlockBuilder.proposal(state: node.chain, proposer: node.chain.proposer(round: 0).address,
                                          timeMillis: node.chain.lastBlockTimeMillis + 1_000, lastCommit: nil) { _, _ in [] }
        await node.driver.receive(Self.message(.commit(ChainFixture.commit(for: block, validators: node.chain.validators)), from: honest))
        await node.driver.receive(Self.message(.block(block), from: honest))
        #expect(await Self.until { await node.driver.chain.nextHeight == 2 })
        // Pruned with the height they claimed.
        #expect(await node.driver.blockSync.commits.isEmpty)
    }

    @Test("a junk commit that takes a block's slot first is dropped when block sync checks it; the honest copy then applies")
    func junkCommitForARealBlock() async throws {
        let node = try Self.node()
        defer { node.store.close() }
        let attacker = ChainFixture.alice.publicKey.address, honest = ChainFixture.bob.publicKey.address
        let block = BlockBuilder.proposal(state: node.chain, proposer: node.chain.proposer(round: 0).address,
                                          timeMillis: node.chain.lastBlockTimeMillis + 1_000, lastCommit: nil) { _, _ in [] }
        let commit = ChainFixture.commit(for: block, validators: node.chain.validators)
        var junk = commit
        junk.signatures = junk.signatures.map { _ in .absent }
        await node.driver.receive(Self.message(.commit(junk), from: attacker))
        await node.driver.receive(Self.message(.commit(commit), from: honest))
        await node.driver.receive(Self.message(.block(block), from: honest))
        #expect(await Self.until {
            let commits = await node.driver.blockSync.commits.count, blocks = await node.driver.receivedBlocks.count
            return commits == 0 && blocks == 0
        })
        #expect(await node.driver.chain.nextHeight == 1)

        await node.driver.receive(Self.message(.commit(commit), from: honest))
        await node.driver.receive(Self.message(.block(block), from: honest))
        #expect(await Self.until { await node.driver.chain.nextHeight == 2 })
    }
}
