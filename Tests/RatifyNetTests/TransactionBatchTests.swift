import NIOCore
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// Transactions passed on together (`TransactionBatch`): on the wire between real sessions, as
/// a node sends them and as a byzantine peer might.
@Suite("transaction batches", .serialized)
struct TransactionBatchTests {
    /// A peer of `target` over a real session, as raw frames: what the node sends it is read
    /// and opened here, and what it sends is sealed by the test.
    struct RawSession {
        let raw: RawPeer
        let nodeID: NodeID
        var sender: FrameCipher
        var receiver: FrameCipher

        init(of target: PeerManager) async throws {
            raw = try await RawPeer(port: try #require(target.listeningPort))
            let key = KeyPair.generate()
            nodeID = key.publicKey.address
            (sender, receiver) = try await raw.handshake(as: key, expected: target.nodeID)
        }

        mutating func send(_ message: NetMessage) async throws {
            try await raw.write(try RawPeer.sealedFrame(message, &sender))
        }

        /// The next message the node sent but a keep-alive; nil when the session ended.
        mutating func next() async throws -> NetMessage? {
            while let frame = await raw.nextFrame() {
                let opened = try receiver.open(frame, aad: RawPeer.aad(frame.count - NetLimits.tagBytes))
                let message = try NetMessage.decode(opened, chainID: NetSamples.chainID)
                if case .keepAlive = message { continue }
                return message
            }
            return nil
        }
    }

    /// Admits every transaction with a good signature and records it, as a node's mempool does.
    final class Admitting: Sendable {
        let admitted = Mutex<[Transaction]>([])
        var verifier: MessageVerifier {
            { [self] message in
                guard case .transaction(let gossip) = message else { return testVerifier(message) }
                guard gossip.transaction.verifySignature() else { return .invalid("transaction") }
                admitted.withLock { $0.append(gossip.transaction) }
                return .admitted
            }
        }
        var snapshot: [Transaction] { admitted.withLock { $0 } }
    }

    /// A started node whose verifier admits transactions (`Admitting`), with two raw peers
    /// connected: one to send from, one to watch what the node relays.
    static func admittingNodeWithTwoPeers() async throws -> (PeerManager, Admitting, origin: RawSession, downstream: RawSession) {
        let admitting = Admitting()
        let node = PeerManager(config: makeConfig(1), group: testGroup, logger: LogStore().logger(), verifier: admitting.verifier)
        try await node.start()
        let origin = try await RawSession(of: node)
        let downstream = try await RawSession(of: node)
        #expect(await Wait.until { Set(node.connectedPeers) == [origin.nodeID, downstream.nodeID] })
        return (node, admitting, origin, downstream)
    }

    static func transactions(_ count: Int, from first: UInt64 = 1) -> [Transaction] {
        (0..<UInt64(count)).map { NetSamples.transaction(nonce: first + $0) }
    }

    @Test("transactions admitted in one turn of an event loop reach each peer as one message, in order; a lone one as `transaction`",
          .timeLimit(.minutes(1)))
    func admittedTogetherTravelTogether() async throws {
        let logs = LogStore()
        let a = PeerManager(config: makeConfig(0), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        try await a.start()
        var peer = try await RawSession(of: a)
        #expect(await Wait.until { a.connectedPeers == [peer.nodeID] })

        let three = Self.transactions(3)
        try await a.timerLoop.submit { for transaction in three { a.broadcast(admitted: transaction) } }.get()
        guard case .transactions(let batch) = try await peer.next() else {
            Issue.record("three transactions admitted together did not come as one batch")
            return
        }
        #expect(batch.transactions == three)
        #expect(batch.sentTo == [peer.nodeID], "names every peer it went to, so none relays it")

        let lone = NetSamples.transaction(nonce: 9)
        a.broadcast(admitted: lone)  // off an event loop: at once
        guard case .transaction(let gossip) = try await peer.next() else {
            Issue.record("a lone transaction did not come as `transaction`")
            return
        }
        #expect(gossip.transaction == lone)
        await peer.raw.close()
        await a.shutdown()
    }

    @Test("a peer's batch is taken one transaction at a time: each admitted once, in order, copies dropped, and relayed on together",
          .timeLimit(.minutes(1)))
    func batchIsTakenOneByOne() async throws {
        var (b, admitting, origin, downstream) = try await Self.admittingNodeWithTwoPeers()

        let transactions = Self.transactions(4)
        try await origin.send(.transaction(TransactionGossip(transactions[0])))
        try await origin.send(.transactions(TransactionBatch(transactions)))
        #expect(await Wait.until { admitting.snapshot.count == 4 })
        #expect(admitting.snapshot == transactions)
        #expect(b.stats.duplicatesDropped == 1, "the first, already taken alone")

        // Relayed to the peer the origin did not name: the first alone, the rest as one batch,
        // naming the recipient and the origin.
        guard case .transaction(let first) = try await downstream.next(),
              case .transactions(let rest) = try await downstream.next() else {
            Issue.record("the relays were not one transaction, then one batch")
            return
        }
        #expect(first.transaction == transactions[0])
        #expect(rest.transactions == Array(transactions.dropFirst()))
        #expect(rest.sentTo == [downstream.nodeID, origin.nodeID])
        #expect(b.connectedPeers.contains(origin.nodeID))
        await origin.raw.close()
        await downstream.raw.close()
        await b.shutdown()
    }

    @Test("a bad signature inside a batch disconnects its sender; the transactions before it stay admitted and go on, none after it",
          .timeLimit(.minutes(1)))
    func badSignatureEndsTheBatch() async throws {
        var (b, admitting, origin, downstream) = try await Self.admittingNodeWithTwoPeers()

        var transactions = Self.transactions(3)
        transactions[1].fee += 1  // the signature no longer matches
        try await origin.send(.transactions(TransactionBatch(transactions)))
        #expect(await Wait.until { b.stats.disconnects["invalid_signature", default: 0] == 1 })
        #expect(!b.connectedPeers.contains(origin.nodeID))
        #expect(admitting.snapshot == [transactions[0]])
        guard case .transaction(let relayed) = try await downstream.next() else {
            Issue.record("the transaction before the bad one was not relayed")
            return
        }
        #expect(relayed.transaction == transactions[0])
        await origin.raw.close()
        await downstream.raw.close()
        await b.shutdown()
    }

    @Test("a batch counts one frame a transaction against the peer's receive rate: batching lifts no peer past it",
          .timeLimit(.minutes(1)))
    func batchesAreRateLimitedByTransaction() async throws {
        let admitting = Admitting()
        var config = makeConfig(1)
        config.inboundFramesPerSecond = 200  // burst: one second's worth
        let b = PeerManager(config: config, group: testGroup, logger: LogStore().logger(), verifier: admitting.verifier)
        try await b.start()
        var peer = try await RawSession(of: b)
        #expect(await Wait.until { b.connectedPeers == [peer.nodeID] })

        // 1,000 transactions in five frames: NIO reads what is there in one go, so they are all
        // taken, and the peer owes 800 frames; it would owe none if a batch counted as one.
        let transactions = Self.transactions(1_000)
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: transactions.count, by: 200) {
            bytes += try RawPeer.sealedFrame(.transactions(TransactionBatch(Array(transactions[start..<start + 200]))), &peer.sender)
        }
        let sent = ContinuousClock.now
        try await peer.raw.write(bytes)
        #expect(await Wait.until { admitting.snapshot.count == transactions.count })
        // The next frame waits until the debt is repaid: four seconds after the batches were
        // taken at 200 a second, however long taking them took.
        let marker = NetSamples.transaction(nonce: 5_000)
        try await peer.send(.transaction(TransactionGossip(marker)))
        #expect(await Wait.until { admitting.snapshot.last == marker })
        #expect(ContinuousClock.now - sent >= .seconds(3), "the batch was not charged one frame a transaction")
        #expect(admitting.snapshot == transactions + [marker])
        #expect(b.connectedPeers == [peer.nodeID], "slowed, not disconnected")
        await peer.raw.close()
        await b.shutdown()
    }

    @Test("a batch decodes with 2 to 256 transactions, every one on this chain, and splits to fit a frame")
    func limits() throws {
        let batch = NetMessage.transactions(TransactionBatch(Self.transactions(TransactionBatch.countMax)))
        #expect(try NetMessage.decode(batch.encoded, chainID: NetSamples.chainID) == batch)

        var empty = ByteWriter()
        empty.write(NetMessage.Kind.transactions.rawValue)
        empty.write(UInt32(0))
        empty.write(UInt32(0))
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(empty.bytes, chainID: NetSamples.chainID) }
        let tooMany = NetMessage.transactions(TransactionBatch(Self.transactions(TransactionBatch.countMax + 1))).encoded
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(tooMany, chainID: NetSamples.chainID) }

        var foreign = Self.transactions(3)
        foreign[1].chainID = "other-chain"
        #expect(throws: NetMessage.DecodingError.foreignChain(expected: NetSamples.chainID, got: "other-chain")) {
            try NetMessage.decode(NetMessage.transactions(TransactionBatch(foreign)).encoded, chainID: NetSamples.chainID)
        }

        // Split by count: 256, then the rest; one left over goes alone.
        let counts = TransactionBatch.messages(carrying: Self.transactions(300)).map(Self.carried)
        #expect(counts == [256, 44])
        #expect(TransactionBatch.messages(carrying: Self.transactions(257)).map(Self.isBatch) == [true, false])
        #expect(TransactionBatch.messages(carrying: []).isEmpty)
        // Split by bytes: a frame of room for a list of 64 names and three transactions.
        let transactionBytes = NetSamples.transaction().encodedBytesCount
        let room = TransactionBatch.encodedBytes(transactionBytes: 3 * transactionBytes, sentToCount: TransactionGossip.sentToMax)
        let bySize = TransactionBatch.messages(carrying: Self.transactions(7), bytesMax: room)
        #expect(bySize.map(Self.carried) == [3, 3, 1])
        let ordered = bySize.flatMap { message -> [Transaction] in
            switch message {
            case .transactions(let batch): batch.transactions
            case .transaction(let gossip): [gossip.transaction]
            default: []
            }
        }
        #expect(ordered == Self.transactions(7))
    }

    @Test("a transaction alone and in a batch is one key in the duplicate filter, and a batch marks each of its own")
    func oneKeyPerTransaction() {
        let transaction = NetSamples.transaction()
        #expect(NetMessage.transaction(TransactionGossip(transaction)).seenDigest == NetMessage.seenDigest(of: transaction))
        let batch = NetMessage.transactions(TransactionBatch(Self.transactions(3)))
        #expect(batch.seenDigests(encoded: batch.encoded) == Self.transactions(3).map(NetMessage.seenDigest(of:)))
        #expect(NetMessage.seenDigest(of: transaction) != transaction.hash, "the tag keeps it apart from any other digest")
    }

    static func carried(_ message: NetMessage) -> Int {
        switch message {
        case .transactions(let batch): batch.transactions.count
        case .transaction: 1
        default: 0
        }
    }

    static func isBatch(_ message: NetMessage) -> Bool {
        if case .transactions = message { return true }
        return false
    }
}
