import Foundation
import Logging
import RatifyCore
import RatifyLedger
@testable import RatifyNet
import RatifyOps
import RatifyPoW
import RatifyStore
import RatifyTestSupport
import Testing
@testable import RatifyNode

/// Both engines in process, through the `ChainEngine` interface the node drives them by: built
/// the way `Node.open` builds them (recovered from a real store, over a real peer manager that is
/// not started, so what they send goes nowhere), fed peers' messages as the network hands them
/// over, and asked through their queries; then shut down, the store closed and reopened, and
/// the engine recovered again.
@Suite("engines in process", .serialized)
struct EngineTests {
    /// One engine over a store, with what the test needs to talk to it.
    struct Running {
        let engine: any ChainEngine
        let store: NodeStore
        let context: NodeQueryContext

        func status() async throws -> NodeStatus {
            let status = try #require(engine.chainQueries(context).status)
            return await status()
        }

        func receive(_ message: NetMessage, from peer: NodeID = ChainFixture.carol.publicKey.address) async {
            await engine.receive(InboundMessage(peer: peer, message: message, transport: .tcp))
        }

        func stop() async {
            await engine.shutdown()
            store.close()
        }
    }

    static func start(genesis: Genesis, config: NodeConfig, directory: TemporaryDirectory) async throws -> Running {
        let logger = Logger(label: "engine-test")
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: genesis)
        // A key outside the validator set: the engine follows and checks, it does not vote.
        let signer = ValidatorSigner.local(KeyPair(seed: [UInt8](repeating: 99, count: 32)) ?? KeyPair.generate())
        let recovered: RecoveredEngine = switch genesis.mode {
        case .pos: try ProofOfStakeEngine.recover(genesis: genesis, config: config, store: store, signer: signer, logger: logger)
        case .pow, .hybrid: try ProofOfWorkEngine.recover(genesis: genesis, config: config, store: store, signer: signer, logger: logger)
        }
        var net = NetConfig(chainID: genesis.chainID, nodeKey: KeyPair.generate())
        net.listenHost = "127.0.0.1"
        let peers = PeerManager(config: net, verifier: recovered.verifier)
        let mempool = recovered.mempool
        let (metrics, _) = NodeMetrics.prometheus(kind: recovered.metricsKind)
        let engine = recovered.make(EngineParts(store: store, peers: peers, waiters: TransactionWaiters(waitersMax: 16),
                                                metrics: metrics, logger: logger))
        try await engine.start()
        let context = NodeQueryContext(nodeID: peers.nodeID, moniker: "engine-test", validatorPublicKey: signer.publicKey,
                                       build: BuildInfo.current, store: store, mempool: mempool, peers: peers, config: config)
        return Running(engine: engine, store: store, context: context)
    }

    // MARK: Proof of stake

    static func key(of address: Address) throws -> KeyPair {
        try #require(ChainFixture.validatorKeys.first { $0.publicKey.address == address })
    }

    /// The round-0 proposal for `block`, signed by the height's proposer.
    static func proposal(for block: Block, state: ChainState) throws -> Proposal {
        let proposer = state.proposer(round: 0).address
        var proposal = Proposal(height: block.height, round: 0, polRound: nil, blockID: block.id, proposerAddress: proposer)
        proposal.signature = try key(of: proposer).sign(proposal.signBytes(chainID: ChainFixture.chainID))
        return proposal
    }

    /// `type` votes for `block` from the first `count` validators of the height's set.
    static func votes(_ type: VoteType, for block: Block, state: ChainState, count: Int) throws -> [Vote] {
        try state.validators.validators.prefix(count).enumerated().map { index, validator in
            var vote = Vote(type: type, height: block.height, round: 0, blockID: block.id,
                            validatorAddress: validator.publicKey.address, validatorIndex: UInt32(index))
            vote.signature = try key(of: validator.publicKey.address).sign(vote.signBytes(chainID: ChainFixture.chainID))
            return vote
        }
    }

    /// Hands the engine a height the way peers do: the proposal and its block, then prevotes
    /// and precommits of three of the four validators (2/3+ of the power), and waits until the
    /// engine has stored it.
    static func decide(_ block: Block, state: ChainState, on running: Running) async throws {
        await running.receive(.proposal(try proposal(for: block, state: state)))
        await running.receive(.block(block))
        for vote in try votes(.prevote, for: block, state: state, count: 3) { await running.receive(.vote(vote)) }
        for vote in try votes(.precommit, for: block, state: state, count: 3) { await running.receive(.vote(vote)) }
        let stored = await HeldDataTests.until { (try? await running.status().latestHeight) == block.height }
        #expect(stored, "height \(block.height) was not stored")
    }

    @Test("the proof-of-stake engine decides heights from a proposal and votes off the wire, and resumes at the next height after a restart")
    func proofOfStake() async throws {
        let directory = try TemporaryDirectory()
        var fixture = try ChainFixture()
        let fixtureMempool = Mempool(limits: MempoolTests.limits, ledger: ChainFixture.genesisLedger)
        var running = try await Self.start(genesis: ChainFixture.genesis, config: NodeConfig(), directory: directory)
        #expect(try await running.status().latestHeight == 0)

        let genesisState = fixture.state
        let first = try await fixture.commitBlock(mempool: fixtureMempool).block
        try await Self.decide(first, state: genesisState, on: running)
        #expect(try await running.status().latestBlockHash == first.id.hash)
        #expect(try running.store.blocks.block(height: 1)?.id == first.id)

        // A restart reads the chain back from the store and takes the next height from peers.
        await running.stop()
        running = try await Self.start(genesis: ChainFixture.genesis, config: NodeConfig(), directory: directory)
        #expect(try await running.status().latestHeight == 1)
        let stateBefore = fixture.state
        let second = try await fixture.commitBlock(mempool: fixtureMempool).block
        try await Self.decide(second, state: stateBefore, on: running)
        #expect(try await running.status().latestAppHash == fixture.state.appHash)
        await running.stop()
    }

    // MARK: Proof of work

    /// A `pow` genesis at the easiest target, so the test mines a block in a few hashes.
    static func powGenesis() throws -> Genesis {
        var genesis = Genesis(chainID: "engine-pow", genesisTime: try #require(GenesisTime(unixSeconds: 1_767_225_600)))
        genesis.mode = .pow
        genesis.pow = TestnetGenerator.localnetPoW
        genesis.pow.initialBits = 0x207f_ffff
        genesis.accounts = [GenesisAccount(address: ChainFixture.alice.publicKey.address, balance: 1_000)]
        return genesis
    }

    /// A block on `parent` that meets its target, mined here.
    static func mine(on parent: BlockTree.Node, tree: BlockTree, ledger: Ledger) throws -> PoWBlock {
        let template = PoWBlockTemplate.make(parent: parent, tree: tree, ledger: ledger, miner: ChainFixture.bob.publicKey.address,
                                             nowSeconds: UInt32(Date().timeIntervalSince1970), bytesMax: 4_096, transactionsMax: 10,
                                             reap: { _, _ in [] }).block
        let target = try #require(template.header.bits.target)
        let outcome = ParallelMiner(threadCount: 1).search(header: template.header, target: target, nonces: 0...UInt32.max,
                                                           cancel: CancellationFlag())
        let solution = try #require(outcome.solution)
        return PoWBlock(header: solution.header, coinbase: template.coinbase, transactions: template.transactions)
    }

    @Test("the proof-of-work engine moves its tip to blocks peers send, and recovers that tip after a restart")
    func proofOfWork() async throws {
        let directory = try TemporaryDirectory()
        let genesis = try Self.powGenesis()
        var config = NodeConfig()
        config.pow.miningThreads = 0  // only the test's blocks
        var running = try await Self.start(genesis: genesis, config: config, directory: directory)
        #expect(try await running.status().latestHeight == 0)

        // The test keeps its own tree and ledger to mine on.
        var tree = ProofOfWorkEngine.emptyTree(genesis)
        var ledger = Ledger.genesis(genesis)
        var tip = tree.genesis
        for height in UInt64(1)...3 {
            let block = try Self.mine(on: tip, tree: tree, ledger: ledger)
            await running.receive(.powBlock(PoWBlockBytes(block.canonicalBytes)))
            #expect(await HeldDataTests.until { (try? await running.status().latestHeight) == height })
            try tree.insert(block.header, nowSeconds: .max)
            _ = try ledger.executeMined(height: height, miner: block.coinbase.miner, transactions: block.transactions).get()
            tip = try #require(tree[block.hash])
        }
        #expect(try await running.status().pow?.tipHash == tip.hash.displayHex)

        await running.stop()
        running = try await Self.start(genesis: genesis, config: config, directory: directory)
        let status = try await running.status()
        #expect(status.latestHeight == 3 && status.pow?.tipHash == tip.hash.displayHex)
        await running.stop()
    }
}
