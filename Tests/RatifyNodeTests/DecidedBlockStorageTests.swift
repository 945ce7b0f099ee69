import Foundation
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
/// signature is one journal record carrying its WAL records, signatures made in a row share one
/// record and its flush, and a decided block is one LMDB
/// commit of its own (one device flush), made before anything of the next height is signed;
/// should a system crash undo that commit, the restart decides the block again from the WAL
/// and replays the next height's.
@Suite("signatures in the journal, decided blocks stored before the next height", .serialized)
struct DecidedBlockStorageTests {
    static func proposal(_ block: Block, by key: KeyPair) -> Proposal {
        var proposal = Proposal(height: block.height, round: 0, polRound: nil, blockID: block.id, proposerAddress: key.publicKey.address)
        proposal.signature = key.sign(proposal.signBytes(chainID: ChainFixture.chainID))
        return proposal
    }

    static func vote(_ type: VoteType, for block: Block, by key: KeyPair, in validators: ValidatorSet) -> Vote {
        vote(type, height: block.height, for: block.id, by: key, in: validators)
    }

    static func vote(_ type: VoteType, height: Height, for blockID: BlockID, by key: KeyPair, in validators: ValidatorSet) -> Vote {
        let index = validators.validators.firstIndex { $0.address == key.publicKey.address } ?? 0
        var vote = Vote(type: type, height: height, round: 0, blockID: blockID, validatorAddress: key.publicKey.address,
                        validatorIndex: UInt32(index))
        vote.signature = key.sign(vote.signBytes(chainID: ChainFixture.chainID))
        return vote
    }

    static func message(_ message: NetMessage) -> InboundMessage {
        InboundMessage(peer: ChainFixture.key(99).publicKey.address, message: message, transport: .tcp)
    }

    /// Height 1 of a fresh four-validator chain as its proposer built it, seen by the proposer of
    /// height 2 (`me`), whose driver runs on a store in `directory` with a transfer pending.
    struct Scenario {
        var first: Block
        var validators: ValidatorSet
        var firstProposer: KeyPair
        var me: KeyPair
        var voters: [KeyPair]
        var transfer: Transaction

        init() async throws {
            var fixture = try ChainFixture()
            validators = fixture.state.validators
            let emptyPool = Mempool(limits: MempoolTests.limits, ledger: ChainFixture.genesisLedger)
            let firstProposerAddress = fixture.state.proposer(round: 0).address
            try await fixture.commitBlock(mempool: emptyPool)
            let secondProposer = fixture.state.proposer(round: 0).address
            first = fixture.blocks[0]
            func key(_ address: Address) throws -> KeyPair { try #require(ChainFixture.validatorKeys.first { $0.publicKey.address == address }) }
            firstProposer = try key(firstProposerAddress)
            me = try key(secondProposer)
            voters = Array(ChainFixture.validatorKeys.filter { $0.publicKey.address != secondProposer }.prefix(2))
            transfer = fixture.transfer(ChainFixture.alice)
        }

        /// A driver for `me` (or `signer`) over `store`, at the height the store holds, not yet started.
        func driver(store: NodeStore, signer: KeyPair? = nil) async throws -> NodeDriver {
            let signer = signer ?? me
            let genesis = ChainFixture.genesis
            let (ledger, chain, lastCommit) = try ProofOfStakeEngine.recover(genesis: genesis, store: store)
            try ProofOfStakeEngine.refuseSignerStateBehindWAL(store: store, height: chain.nextHeight, validator: signer.publicKey.address)
            // No timeout fires during the test; a zero commit wait starts height 2 at once.
            let consensus = ConsensusParameters(timeoutProposeBaseMillis: 600_000, timeoutPrevoteBaseMillis: 600_000,
                                                timeoutPrecommitBaseMillis: 600_000, commitWaitMillis: 0)
            let settings = NodeDriver.Settings(chainID: genesis.chainID, consensus: consensus, heartbeatMillis: 600_000)
            let mempool = Mempool(limits: MempoolTests.limits, ledger: ledger)
            // A pending transaction, so height 2 is not held back for an empty mempool.
            _ = try await mempool.add(transfer.canonicalBytes)
            return NodeDriver(settings: settings, store: store, peers: PeerManager(config: NetConfig(chainID: genesis.chainID, nodeKey: KeyPair.generate())),
                              verifier: GossipVerifier(chain: chain, ledger: ledger, mempool: mempool),
                              waiters: TransactionWaiters(waitersMax: 16), metrics: nil, validatorSigner: .local(signer), ledger: ledger, chain: chain,
                              lastCommit: lastCommit, logger: Logger(label: "decided-block-storage-test"))
        }

        /// Feeds height 1 to `driver` until it has decided it and prevoted its own proposal of
        /// height 2; the other validators' precommits come after its own.
        func decideFirst(_ driver: NodeDriver, store: NodeStore) async {
            func lastSigned() -> SignPosition? { (try? store.signer.lastSigned())?.position }
            typealias Tests = DecidedBlockStorageTests
            await driver.receive(Tests.message(.proposal(Tests.proposal(first, by: firstProposer))))
            await driver.receive(Tests.message(.block(first)))
            #expect(await HeldDataTests.until { lastSigned() == SignPosition(height: 1, round: 0, step: .prevote) })
            for voter in voters { await driver.receive(Tests.message(.vote(Tests.vote(.prevote, for: first, by: voter, in: validators)))) }
            #expect(await HeldDataTests.until { lastSigned() == SignPosition(height: 1, round: 0, step: .precommit) })
            for voter in voters { await driver.receive(Tests.message(.vote(Tests.vote(.precommit, for: first, by: voter, in: validators)))) }
            // Decided; height 2 starts at once and this node proposes it, then prevotes its proposal.
            #expect(await HeldDataTests.until { lastSigned() == SignPosition(height: 2, round: 0, step: .prevote) })
        }
    }

    @Test("two prevotes, a precommit and a proposal are three journal records, each one flush (the proposal and its proposer's prevote share one); the decided block is one LMDB commit, stored before the proposal")
    func proposerStoresBlockWithProposal() async throws {
        let scenario = try await Scenario()
        let first = scenario.first
        let directory = try TemporaryDirectory()
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: ChainFixture.genesis)
        defer { store.close() }
        let driver = try await scenario.driver(store: store)
        try await driver.start()
        let subscription = try await driver.events.subscribe(NodeEvents.Filter())
        let commitsAtStart = store.environment.committedWriteCount
        let appendsAtStart = store.signer.journal.journal.nextSequence

        await scenario.decideFirst(driver, store: store)

        #expect(store.environment.committedWriteCount - commitsAtStart == 1)
        #expect(store.signer.journal.journal.nextSequence - appendsAtStart == 3)
        // Each record holds its signed messages for the WAL; the proposal's are height 2's.
        let entries = try #require(try ConsensusJournal.records(atPath: store.signer.journal.journal.path))
            .map { try JournalEntry(canonicalBytes: $0.payload) }
        // The proposal and the prevote for it share a record: the later state, both WAL records.
        #expect(entries.compactMap(\.signerState?.position) == [
            SignPosition(height: 1, round: 0, step: .prevote), SignPosition(height: 1, round: 0, step: .precommit),
            SignPosition(height: 2, round: 0, step: .prevote),
        ])
        let ownRecords = try entries[2].walRecords.suffix(2).map { try WALRecord(canonicalBytes: $0.bytes) }
        guard case .proposal(let proposal, _) = ownRecords.first, case .vote(let prevote) = ownRecords.last else {
            Issue.record("the shared record ends with \(ownRecords), not the proposal and its prevote"); return
        }
        #expect(proposal.height == 2 && prevote.height == 2 && prevote.type == .prevote && prevote.blockID == proposal.blockID)
        #expect(entries.allSatisfy { !$0.walRecords.isEmpty })
        // The precommits that decided height 1 came after this node's own: they ride with the
        // first signature of height 2, ahead of its proposal.
        #expect(entries[2].walRecords.map(\.height).prefix(2) == [1, 1])
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

    @Test("a signature whose journal flush fails never leaves: the node stops and its vote is neither sent nor kept for gossip")
    func failedFlushReleasesNothing() async throws {
        let scenario = try await Scenario()
        for journalWorks in [true, false] {
            let directory = try TemporaryDirectory()
            let store = try NodeStore.open(dataDirectory: directory.path, genesis: ChainFixture.genesis)
            let driver = try await scenario.driver(store: store)
            try await driver.start()
            // A closed journal refuses the flush, as one whose write failed does.
            if !journalWorks { store.signer.journal.journal.close() }
            await driver.receive(Self.message(.proposal(Self.proposal(scenario.first, by: scenario.firstProposer))))
            await driver.receive(Self.message(.block(scenario.first)))
            if journalWorks {
                // The control: the prevote is flushed, then broadcast and kept in the vote store.
                #expect(await HeldDataTests.until { await driver.gossip.storedVotes == 1 })
                #expect(await driver.stopReason == nil)
            } else {
                #expect(await HeldDataTests.until { await driver.stopReason != nil })
                #expect(await driver.stopReason?.contains("cannot write the consensus journal") == true)
                #expect(await driver.gossip.storedVotes == 0)
                #expect(try ConsensusJournal.records(atPath: store.signer.journal.journal.path)?.isEmpty == true)
            }
            await driver.stop(because: "the test is over")
            store.close()
        }
    }

    @Test("a block whose store commit a system crash undid is decided again from the WAL, and the next height's votes and lock come back")
    func blockUndoneByCrashIsDecidedAgain() async throws {
        let scenario = try await Scenario()
        let directory = try TemporaryDirectory()
        let dataFile = directory.path + "/" + DataFileIntegrity.dataFileName
        let undoneCopy = directory.path + "/undone.mdb", journalCopy = directory.path + "/journal.copy"
        let journalPath: String, proposed: BlockID
        do {
            let store = try NodeStore.open(dataDirectory: directory.path, genesis: ChainFixture.genesis)
            let driver = try await scenario.driver(store: store)
            try await driver.start()
            // The data file as a system crash would leave it if no meta page written after this
            // point reached the disk: without block 1.
            try FileManager.default.copyItem(atPath: dataFile, toPath: undoneCopy)
            await scenario.decideFirst(driver, store: store)
            // Locked on its own proposal: 2/3+ prevotes for it, and its precommit.
            proposed = try #require(try store.signer.lastSigned()?.vote?.blockID)
            for voter in scenario.voters {
                await driver.receive(Self.message(.vote(Self.vote(.prevote, height: 2, for: proposed, by: voter, in: scenario.validators))))
            }
            #expect(await HeldDataTests.until { (try? store.signer.lastSigned())??.position == SignPosition(height: 2, round: 0, step: .precommit) })
            #expect(try store.blocks.latestHeight() == 1)
            // Every journal append survived (each was flushed before its signature left).
            journalPath = store.signer.journal.journal.path
            try FileManager.default.copyItem(atPath: journalPath, toPath: journalCopy)
            await driver.stop(because: "the system crashed")
            store.close()
        }
        for (copy, original) in [(undoneCopy, dataFile), (journalCopy, journalPath)] {
            try FileManager.default.removeItem(atPath: original)
            try FileManager.default.moveItem(atPath: copy, toPath: original)
        }

        let store = try NodeStore.open(dataDirectory: directory.path, genesis: ChainFixture.genesis)
        defer { store.close() }
        #expect(try store.blocks.latestHeight() == 0)
        let driver = try await scenario.driver(store: store)
        try await driver.start()
        // Height 1 decided again from its WAL and stored; height 2's WAL replayed before any
        // peer's message: the core holds this validator's prevote and precommit there, and the
        // guard refused nothing it had to sign again.
        #expect(try store.blocks.latestHeight() == 1)
        #expect(try store.blocks.block(height: 1)?.id == scenario.first.id)
        #expect(await driver.chain.nextHeight == 2)
        let ownVotes = await driver.consensus.latestOwnVotes()
        #expect(ownVotes.map(\.type) == [.prevote, .precommit])
        #expect(ownVotes.allSatisfy { $0.height == 2 && $0.blockID == proposed })
        #expect(try store.signer.lastSigned()?.position == SignPosition(height: 2, round: 0, step: .precommit))
        await driver.stop(because: "the test is over")
    }

    @Test("a node whose key is outside the validator set holds the WAL records of the last decided height only")
    func outsideTheSetHoldsOneHeight() async throws {
        var fixture = try ChainFixture()
        let validators = fixture.state.validators
        let emptyPool = Mempool(limits: MempoolTests.limits, ledger: ChainFixture.genesisLedger)
        var proposers: [Address] = []
        for _ in 0..<2 {
            proposers.append(fixture.state.proposer(round: 0).address)
            try await fixture.commitBlock(mempool: emptyPool)
        }
        let scenario = try await Scenario()
        let directory = try TemporaryDirectory()
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: ChainFixture.genesis)
        defer { store.close() }
        let driver = try await scenario.driver(store: store, signer: ChainFixture.key(98))
        try await driver.start()
        for (block, proposer) in zip(fixture.blocks, proposers) {
            let proposerKey = try #require(ChainFixture.validatorKeys.first { $0.publicKey.address == proposer })
            await driver.receive(Self.message(.proposal(Self.proposal(block, by: proposerKey))))
            await driver.receive(Self.message(.block(block)))
            for type in [VoteType.prevote, .precommit] {
                for voter in ChainFixture.validatorKeys {
                    await driver.receive(Self.message(.vote(Self.vote(type, for: block, by: voter, in: validators))))
                }
            }
            #expect(await HeldDataTests.until { (try? store.blocks.latestHeight()) == block.height })
        }
        // Nothing signed, nothing journaled: height 1's records went when height 2 was stored.
        let held = await driver.walBuffer.map(\.height)
        #expect(!held.isEmpty && held.allSatisfy { $0 >= 2 })
        #expect(try store.signer.lastSigned() == nil)
        await driver.stop(because: "the test is over")
    }
}
