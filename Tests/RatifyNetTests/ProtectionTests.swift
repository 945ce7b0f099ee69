import NIOCore
import RatifyCore
import Testing
@testable import RatifyNet

@Suite("protection", .serialized)
struct ProtectionTests {
    @Test("bytes on the wire contain no plaintext vote or transaction bytes")
    func noPlaintextOnTheWire() async throws {
        let logs = LogStore()
        let (a, b) = try await GossipTests.pair(logs)
        let channel = try #require(b.state.withLock { $0.sessions[a.nodeID]?.channel })
        let capture = WireTap.Capture()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(WireTap(capture), position: .first)
        }.get()
        let inboxA = Inbox(a), inboxB = Inbox(b)
        let vote = NetSamples.vote(validator: 2)
        let transaction = NetSamples.transaction(nonce: 77)
        #expect(a.send(.vote(vote), to: b.nodeID))
        #expect(b.send(.transaction(TransactionGossip(transaction)), to: a.nodeID))
        #expect(await Wait.until { inboxB.votes() == [vote] && inboxA.count { $0.message == .transaction(TransactionGossip(transaction)) } == 1 })
        let wire = capture.snapshot
        #expect(wire.count > vote.canonicalBytes.count + transaction.canonicalBytes.count, "the tap saw the traffic")
        for secret in [vote.canonicalBytes, transaction.canonicalBytes, vote.signature.bytes, transaction.signature.bytes,
                       Array(vote.canonicalBytes.prefix(40)), Array(transaction.canonicalBytes.suffix(40))] {
            #expect(!wire.contains(subsequence: secret))
        }
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a peer that stops reading is disconnected once its send queue holds the byte cap, never buffered beyond it")
    func slowPeerIsDisconnected() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.sendQueueBytesMax = 2 * 1024 * 1024
        let b = PeerManager(config: config, group: testGroup, logger: logs.logger())
        try await b.start()
        let raw = try await RawPeer(port: b.listeningPort ?? 0)
        let key = NetSamples.nodeKey(8)
        _ = try await raw.handshake(as: key, expected: b.nodeID)
        #expect(await Wait.until { b.connectedPeers == [key.publicKey.address] })
        try await raw.channel.setOption(.autoRead, value: false).get()
        let block = NetMessage.block(NetSamples.block(transactions: 400))
        var maxQueued = 0
        for _ in 0..<5_000 {
            guard b.send(block, to: key.publicKey.address) else { break }
            maxQueued = max(maxQueued, b.stats.queuedBytes)
        }
        #expect(await Wait.until { b.stats.disconnects["slow_peer", default: 0] == 1 })
        #expect(maxQueued > 0)
        #expect(maxQueued <= 2 * 1024 * 1024)
        #expect(b.connectedPeers.isEmpty)
        #expect(logs.contains("peer too slow"))
        await raw.close()
        await b.shutdown()
    }

    @Test("a frame longer than the cap after the handshake disconnects and backs off the peer")
    func oversizedFrame() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.misbehaviourBackoffMillis = 60_000 // long enough that a loaded machine still sees the refusal
        let b = PeerManager(config: config, group: testGroup, logger: logs.logger())
        try await b.start()
        let raw = try await RawPeer(port: b.listeningPort ?? 0)
        let key = NetSamples.nodeKey(9)
        _ = try await raw.handshake(as: key, expected: b.nodeID)
        try await raw.write(withUnsafeBytes(of: UInt32(NetLimits.frameBytesMax + 1).bigEndian) { Array($0) })
        #expect(await Wait.until { b.stats.disconnects["frame_too_large", default: 0] == 1 })
        #expect(logs.contains("frame length \(NetLimits.frameBytesMax + 1) exceeds the maximum \(NetLimits.frameBytesMax)"))
        // Backed off: the same node key is refused right after.
        let again = try await RawPeer(port: b.listeningPort ?? 0)
        _ = try? await again.handshake(as: key, expected: b.nodeID)
        #expect(await Wait.until { logs.contains("is backed off after misbehaving") })
        await raw.close()
        await again.close()
        await b.shutdown()
    }
}
