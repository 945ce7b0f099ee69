import NIOCore
import NIOPosix
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// Memory by bytes: send queues, catch-up serving, send rate and the UDP socket, against real
/// sockets with peers that do not read or that flood.
@Suite("byte bounds", .serialized)
struct ByteBoundsTests {
    /// These tests push megabytes through their nodes; an event loop of their own keeps that
    /// work off the loops the timing-sensitive tests of other suites share (`testGroup`).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    final class Peak: Sendable {
        let bytes = Mutex(0)
        func record(_ value: Int) { bytes.withLock { $0 = max($0, value) } }
        var value: Int { bytes.withLock { $0 } }
    }

    /// Samples `read` every 5 ms until `done` holds or `seconds` pass; returns the largest value.
    static func peak(seconds: Double, _ read: @escaping @Sendable () -> Int, until done: @escaping @Sendable () -> Bool) async -> Int {
        let peak = Peak()
        _ = await Wait.until(seconds: seconds) {
            peak.record(read())
            return done()
        }
        peak.record(read())
        return peak.value
    }

    @Test("a peer that asks for blocks and never reads is served only while its channel drains: the node holds a bounded queue for it and keeps the session")
    func nonReaderAskingForBlocks() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.serveQueueBytesMax = 512 * 1024
        config.blockRequestsPerSecond = 1_000_000 // let every request through to the serving check
        config.blockRequestsBurst = 1_000_000
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        let block = NetSamples.block(transactions: 400)
        let commit = NetSamples.commit()
        b.setBlockProvider { _ in (block, commit) }
        try await b.start()
        let raw = try await RawPeer(port: b.listeningPort ?? 0, group: Self.group)
        let key = NetSamples.nodeKey(8)
        var sender: FrameCipher
        do {
            (sender, _) = try await raw.handshake(as: key, expected: b.nodeID)
        } catch {
            Issue.record("handshake: \(error); disconnects \(b.stats.disconnects), handshake failures \(b.stats.handshakeFailures)")
            throw error
        }
        #expect(await Wait.until { b.connectedPeers == [key.publicKey.address] })
        #expect(raw.channel.isActive, "disconnects \(b.stats.disconnects), handshake failures \(b.stats.handshakeFailures)")
        try await raw.channel.setOption(.autoRead, value: false).get()
        // 3,000 requests for a ~100 KiB block each: ~300 MiB if every one were answered.
        var requests: [UInt8] = []
        for height in 0..<3_000 { requests += try RawPeer.sealedFrame(.blockRequest(height: Height(height + 1)), &sender) }
        try await raw.write(requests)
        let answerBytes = PeerSession.queuedCost(plaintextBytes: NetMessage.block(block).encoded.count)
            + PeerSession.queuedCost(plaintextBytes: NetMessage.commit(commit).encoded.count)
        // The node answers until the kernel's buffers are full and then until its own queue
        // reaches the serve threshold or the channel stops taking writes (NIO's high watermark),
        // whichever comes first: which one depends on how the requests arrive in reads. Then
        // serving stops, and with it the queue's growth, while 3,000 answers (~300 MiB) are asked.
        #expect(await Wait.until(seconds: 10) { b.stats.queuedBytes >= answerBytes },
                "the node answered while the channel drained: \(b.stats.queuedBytes) bytes queued")
        let peak = await Self.peak(seconds: 1.5, { b.stats.queuedBytes }, until: { false })
        // At most one more answer goes past the threshold.
        #expect(peak <= config.serveQueueBytesMax + answerBytes, "queued \(peak) bytes for a peer that does not read")
        #expect(b.connectedPeers == [key.publicKey.address], "a slow reader of catch-up is not disconnected: \(b.stats.disconnects)")
        await raw.close()
        await b.shutdown()
    }

    @Test("two peers that never read: each is cut at its share of the global budget, and the node's total queue never exceeds the global cap")
    func globalSendBudget() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.maxPeers = 2
        config.sendQueueBytesMax = 64 * 1024 * 1024
        config.sendQueueBytesTotalMax = 4 * 1024 * 1024
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        var raws: [RawPeer] = []
        for index in 8...9 {
            let raw = try await RawPeer(port: b.listeningPort ?? 0, group: Self.group)
            _ = try await raw.handshake(as: NetSamples.nodeKey(index), expected: b.nodeID)
            try await raw.channel.setOption(.autoRead, value: false).get()
            raws.append(raw)
        }
        #expect(await Wait.until { b.connectedPeers.count == 2 })
        let block = NetMessage.block(NetSamples.block(transactions: 400))
        let peak = Peak()
        for _ in 0..<2_000 where !b.connectedPeers.isEmpty {
            b.broadcast(block)
            peak.record(b.stats.queuedBytes)
        }
        #expect(await Wait.until { b.stats.disconnects["slow_peer", default: 0] == 2 })
        #expect(peak.value > config.sendQueueBytesTotalMax / 4, "the queues did fill")
        #expect(peak.value <= config.sendQueueBytesTotalMax)
        #expect(await Wait.until { b.stats.queuedBytes == 0 && b.sendBudget.queuedBytes.load(ordering: .relaxed) == 0 },
                "every queued byte is given back when the sessions close")
        for raw in raws { await raw.close() }
        await b.shutdown()
    }

    @Test("send_rate holds: 3 MiB to a peer at 1 MiB/s (burst 1 MiB) take at least 1.8 seconds")
    func sendRate() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1), group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await b.start()
        // A sender limited to 1 MiB/s, towards b.
        var config = makeConfig(2, peers: [address(of: b)])
        config.sendBytesPerSecond = 1024 * 1024
        let limited = PeerManager(config: config, group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await limited.start()
        #expect(await Wait.until { limited.connectedPeers == [b.nodeID] })
        let inbox = Inbox(b)
        // 48 distinct 64 KiB blobs: bytes that cost nothing to decode, so only the rate sets the pace.
        let blobs = (0..<48).map { index in NetMessage.powBlock(PoWBlockBytes([UInt8(index)] + [UInt8](repeating: 7, count: 64 * 1024))) }
        let totalBytes = blobs.reduce(0) { $0 + $1.encoded.count }
        #expect(totalBytes >= 3 * 1024 * 1024)
        let start = ContinuousClock.now
        for blob in blobs { #expect(limited.send(blob, to: b.nodeID)) }
        #expect(await Wait.until(seconds: 30) { inbox.count { if case .powBlock = $0.message { true } else { false } } == blobs.count })
        let elapsed = ContinuousClock.now - start
        let floorSeconds = Double(totalBytes - 1024 * 1024) / Double(1024 * 1024) * 0.9
        #expect(elapsed >= .milliseconds(Int(floorSeconds * 1000)), "\(totalBytes) bytes arrived in \(elapsed)")
        await limited.shutdown()
        await b.shutdown()
    }

    @Test("a UDP flood is rate limited before any lookup or decryption")
    func udpFlood() async throws {
        let logs = LogStore()
        var config = makeConfig(1, udp: true)
        config.udpDatagramsPerSecond = 200
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let port = try #require(b.udpListeningPort)
        let socket = try await DatagramBootstrap(group: Self.group).bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        // Well-formed headers naming no session: each one that passes the limiter costs a lookup.
        var datagram = [UInt8](repeating: 0, count: 100)
        datagram[0] = PeerManager.datagramVersion
        let sent = 3_000
        let start = ContinuousClock.now
        for index in 0..<sent {
            var buffer = socket.allocator.buffer(capacity: datagram.count)
            datagram[1] = UInt8(truncatingIfNeeded: index)
            buffer.writeBytes(datagram)
            socket.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
            if index % 100 == 99 { socket.flush() }
        }
        socket.flush()
        // Loopback may drop some under the burst; count what arrived.
        _ = await Wait.until(seconds: 5) { b.stats.udpRejected.values.reduce(0, +) >= sent }
        let elapsed = ContinuousClock.now - start
        let rejected = b.stats.udpRejected
        let limited = rejected["rate_limited", default: 0]
        let examined = rejected.values.reduce(0, +) - limited
        let allowance = 200 + Int(200 * Double(elapsed.components.seconds + 1))
        #expect(limited > 0, "rejected: \(rejected)")
        #expect(examined <= allowance, "\(examined) datagrams got past a 200/s limiter in \(elapsed): \(rejected)")
        #expect(examined >= 100, "the limiter lets the burst through: \(rejected)")
        try await socket.close()
        await b.shutdown()
    }

    @Test("block reassembly is capped over all peers: past the total the largest reassembly in progress is dropped, and sessions stay up")
    func assemblyTotal() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.assemblyBytesTotalMax = 300 * 1024
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let port = try #require(b.listeningPort)
        // Two blocks of five 64 KiB parts each; every peer sends four parts, so neither completes.
        var peers: [(raw: RawPeer, key: KeyPair, parts: [BlockPart], sender: FrameCipher)] = []
        for index in 0..<2 {
            let raw = try await RawPeer(port: port, group: Self.group)
            let key = NetSamples.nodeKey(8 + index)
            let (sender, _) = try await raw.handshake(as: key, expected: b.nodeID)
            let id = BlockID(hash: Hash.sha256([UInt8(index)]))
            let parts = (0..<4).map { part in
                BlockPart(height: 50, blockID: id, index: UInt32(part), total: 5,
                          bytes: [UInt8](repeating: UInt8(part), count: NetLimits.blockPartBytesMax))
            }
            peers.append((raw, key, parts, sender))
        }
        #expect(await Wait.until { b.connectedPeers.count == 2 })
        func session(_ key: KeyPair) -> PeerSession? { b.state.withLock { $0.sessions[key.publicKey.address] } }
        for index in 0..<2 {
            var frames: [UInt8] = []
            for part in peers[index].parts { frames += try RawPeer.sealedFrame(.blockPart(part), &peers[index].sender) }
            try await peers[index].raw.write(frames)
            let held = peers[index].parts.reduce(0) { $0 + $1.bytes.count }
            if index == 0 {
                #expect(await Wait.until { session(peers[0].key)?.assemblingBytes == held })
            } else {
                // The second peer's parts push the total past 300 KiB: the first peer's 256 KiB go.
                #expect(await Wait.until { session(peers[0].key)?.assemblingBytes == 0 && session(peers[1].key)?.assemblingBytes == held })
            }
            #expect(b.stats.assemblingBytes <= config.assemblyBytesTotalMax)
            // The manager adds a part's bytes to its total just after the session's reassembly
            // took them, so the two agree once the read that delivered the last part is done.
            #expect(await Wait.until { b.assemblyBytes.load(ordering: .relaxed) == b.stats.assemblingBytes })
        }
        #expect(b.connectedPeers.count == 2, "dropping a reassembly is not a disconnect")
        for peer in peers { await peer.raw.close() }
        #expect(await Wait.until { b.connectedPeers.isEmpty })
        #expect(b.assemblyBytes.load(ordering: .relaxed) == 0, "closed sessions give their reassembly bytes back")
        await b.shutdown()
    }

    @Test("datagrams of one session are limited like its TCP frames: beyond the session's rate they are dropped before they are opened")
    func udpSessionRate() async throws {
        let logs = LogStore()
        let (a, b) = try await GossipTests.pair(logs, udp: true) { $0.inboundFramesPerSecond = 100 }
        let inbox = Inbox(b)
        let session = try #require(a.state.withLock { $0.sessions[b.nodeID] })
        let sent = 2_000
        let start = ContinuousClock.now
        for index in 0..<sent { a.sendDatagram(encoded: NetMessage.vote(NetSamples.vote(height: 5_000 + Height(index))).encoded, to: session) }
        _ = await Wait.until(seconds: 5) { b.stats.udpRejected["rate_limited", default: 0] + inbox.count { $0.transport == .udp } >= sent }
        let elapsed = ContinuousClock.now - start
        let delivered = inbox.count { $0.transport == .udp }
        #expect(b.stats.udpRejected["rate_limited", default: 0] > 0, "\(b.stats.udpRejected)")
        #expect(delivered >= 50, "the session's burst gets through")
        #expect(delivered <= 100 + Int(100 * Double(elapsed.components.seconds + 1)), "\(delivered) datagrams in \(elapsed)")
        #expect(b.connectedPeers == [a.nodeID], "dropping datagrams ends nothing")
        await a.shutdown()
        await b.shutdown()
    }
}
