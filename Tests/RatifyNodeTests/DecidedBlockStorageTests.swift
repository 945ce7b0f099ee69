import Logging
import RatifyConsensus
import RatifyCore
import RatifyLedger
@testable import RatifyNet
@testable import RatifyNode
@testable import RatifyStore
import RatifyTestSupport
import Testing

/// A validator's driver on a real store, fed its peers' proposals and votes directly: each
/// signature is one journal append carrying its WAL records, and a decided block one durable
/// LMDB commit of its own, made before anything of the next height is signed.
@Suite("signatures in the journal, decided blocks stored before the next height", .serialized)
struct DecidedBlockStorageTests {
    static func proposal(_ block: Block, by key: KeyPair) -> Proposal {
        var proposal = Proposal(height: block.height, round: 0, polRound: nil, blockID: block.id, proposerAddress: key.publicKey.address)
        proposal.signature = key.sign(proposal.signBytes(chainID: ChainFixture.chainID))
        return proposal
    }

    static func vote(_ type: VoteType, for block: Block, by key: KeyPair, in validators: ValidatorSet) -> Vote {
        let index = validators.validators.firstIndex { $0.address == key.publicKey.address } ?? 0
        var vote = Vote(type: type, height: block.height, round: 0, blockID: block.id, validatorAddress: key.publicKey.address,
                        validatorIndex: UInt32(index))
        vote.signature = key.sign(vote.signBytes(chainID: ChainFixture.chainID))
        return vote
    }

    static func message(_ message: NetMessage) -> InboundMessage {
        InboundMessage(peer: ChainFixture.key(99).publicKey.address, message: message, transport: .tcp)
    }

    @Test("two prevotes, a precommit and a proposal are four journal appends; the decided block is one LMDB commit, stored before the proposal")
    func proposerStoresBlockWithProposal() async throws {
        // Block 1 as its proposer builds it, and who proposes height 2.
        var fixture = try ChainFixture()
        let validators = fixture.state.validators
        let emptyPool = Mempool(limits: MempoolTests.limits, ledger: ChainFixture.genesisLedger)
        let firstProposer = fixture.state.proposer(round: 0).address
        try await fixture.commitBlock(mempool: emptyPool)
        let secondProposer = fixture.state.proposer(round: 0).address
        let first = fixture.blocks[0]
        func key(_ address: Address) throws -> KeyPair { try #require(ChainFixture.validatorKeys.first { $0.publicKey.address == address }) }
        let me = try key(secondProposer)
        let voters = ChainFixture.validatorKeys.filter { $0.publicKey.address != me.publicKey.address }.prefix(2)

        let directory = try TemporaryDirectory()
        let genesis = ChainFixture.genesis
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: genesis)
        defer { store.close() }
        let (ledger, chain, lastCommit) = try ProofOfStakeEngine.recover(genesis: genesis, store: store)
        // No timeout fires during the test; a zero commit wait starts height 2 at once.
        let consensus = ConsensusParameters(timeoutProposeBaseMillis: 600_000, timeoutPrevoteBaseMillis: 600_000,
                                            timeoutPrecommitBaseMillis: 600_000, commitWaitMillis: 0)
        let settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: consensus, heartbeatMillis: 600_000)
        let mempool = Mempool(limits: MempoolTests.limits, ledger: ledger)
        // A pending transaction, so height 2 is not held back for an empty mempool.
        _ = try await mempool.add(fixture.transfer(ChainFixture.alice).canonicalBytes)
        let driver = NodeDriver(settings: settings, store: store, peers: PeerManager(config: NetConfig(chainID: genesis.chainID, nodeKey: KeyPair.generate())),
                                verifier: GossipVerifier(chain: chain, ledger: ledger), mempool: mempool,
                                waiters: TransactionWaiters(waitersMax: 16), metrics: nil, validatorSigner: .local(me), ledger: ledger, chain: chain,
                                lastCommit: lastCommit, logger: Logger(label: "decided-block-storage-test"))
        try await driver.start()
        let subscription = try await driver.events.subscribe(NodeEvents.Filter())
        let commitsAtStart = store.environment.committedWriteCount
        let appendsAtStart = store.signer.journal.journal.nextSequence
        func lastSigned() throws -> SignPosition? { try store.signer.lastSigned()?.position }

        await driver.receive(Self.message(.proposal(Self.proposal(first, by: try key(firstProposer)))))
        await driver.receive(Self.message(.block(first)))
        #expect(await HeldDataTests.until { (try? lastSigned()) == SignPosition(height: 1, round: 0, step: .prevote) })
        for voter in voters { await driver.receive(Self.message(.vote(Self.vote(.prevote, for: first, by: voter, in: validators)))) }
        #expect(await HeldDataTests.until { (try? lastSigned()) == SignPosition(height: 1, round: 0, step: .precommit) })
        for voter in voters { await driver.receive(Self.message(.vote(Self.vote(.precommit, for: first, by: voter, in: validators)))) }
        // Decided; height 2 starts at once and this node proposes it, then prevotes its proposal.
        #expect(await HeldDataTests.until { (try? lastSigned()) == SignPosition(height: 2, round: 0, step: .prevote) })

        #expect(store.environment.committedWriteCount - commitsAtStart == 1)
        #expect(store.signer.journal.journal.nextSequence - appendsAtStart == 4)
        // Each signature's append holds its signed message for the WAL; the proposal's is height 2's.
        let entries = try #require(try ConsensusJournal.records(atPath: store.signer.journal.journal.path))
            .map { try JournalEntry(canonicalBytes: $0.payload) }
        #expect(entries.compactMap(\.signerState?.position) == [
            SignPosition(height: 1, round: 0, step: .prevote), SignPosition(height: 1, round: 0, step: .precommit),
            SignPosition(height: 2, round: 0, step: .proposal), SignPosition(height: 2, round: 0, step: .prevote),
        ])
        #expect(entries.allSatisfy { !$0.walRecords.isEmpty })
        #expect(entries[2].walRecords.last?.height == 2)
        #expect(try store.blocks.latestHeight() == 1)
        #expect(try store.blocks.block(height: 1)?.id == first.id)
        #expect(try store.wal.records(height: 1).isEmpty)
        #expect(await driver.finalChain.lastBlockHeight == 1)
        // Subscribers were told of height 1 (at its decision); stored now, it left the tail.
        var batches = subscription.batches.makeAsyncIterator()
        guard case .block(let told)? = await batches.next()?.first else { Issue.record("no block event for height 1"); return }
        #expect(told.height == 1 && told.hash == first.id.hash && told.round == 0 && told.transactionCount == 0)
        #expect(driver.unstoredTail.block(height: 1) == nil)
        await driver.stop(because: "the test is over")
    }
}
