import NIOCore
import NIOPosix
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// Lock-out: who gets a handshake and a session. Every connection here comes from 127.0.0.1, as
/// a localnet's do, so the per-IP limits and address bans are exercised on one address.
@Suite("admission", .serialized)
struct AdmissionTests {
    /// Connection floods run on an event loop of their own, off the loops the timing-sensitive
    /// tests of other suites share (`testGroup`).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Keeps `count` silent connections open to `port`, replacing those the node closes, until
    /// cancelled; counts the connections it opened in `opened`.
    final class Count: Sendable {
        let value = Atomic(0)
        var current: Int { value.load(ordering: .relaxed) }
    }

    static func silentFlood(port: Int, count: Int, opened: Count) -> Task<Void, Never> {
        Task {
            var open: [RawPeer] = []
            while !Task.isCancelled {
                var alive: [RawPeer] = []
                for raw in open where raw.channel.isActive { alive.append(raw) }
                open = alive
                while open.count < count, !Task.isCancelled, let raw = try? await RawPeer(port: port, group: Self.group) {
                    open.append(raw)
                    opened.value.add(1, ordering: .relaxed)
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
            for raw in open { await raw.close() }
        }
    }

    @Test("a flood of silent sockets from one address cannot keep a reserved peer out: the oldest silent one makes room")
    func silentFloodDoesNotLockOut() async throws {
        let logs = LogStore()
        let reservedID = NetSamples.nodeKey(0).publicKey.address
        var config = makeConfig(1)
        // No deadline frees a slot while the peer tries: only eviction can let it in.
        config.helloTimeoutMillis = 10_000
        config.handshakeTimeoutMillis = 10_000
        config.unconditionalPeers = [reservedID]
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await b.start()
        let port = try #require(b.listeningPort)
        // Four times the total pending limit, all silent, from the reserved peer's own address.
        let opened = Count()
        let flood = Self.silentFlood(port: port, count: 4 * config.maxPendingHandshakes, opened: opened)
        #expect(await Wait.until { opened.current > 2 * config.maxPendingHandshakes })
        #expect(b.stats.pendingInbound <= config.maxPendingHandshakesPerIP)
        var dialer = makeConfig(0, peers: [address(of: b)])
        dialer.dialBackoffMaxMillis = 200
        let peer = PeerManager(config: dialer, group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await peer.start()
        #expect(await Wait.until(seconds: 5) { b.connectedPeers == [reservedID] }, "the reserved peer got in during the flood")
        let stats = b.stats
        #expect(stats.pendingInbound <= config.maxPendingHandshakesPerIP)
        #expect(stats.handshakeFailures["evicted", default: 0] > 0, "\(stats.handshakeFailures)")
        #expect(logs.contains("handshake failed: closed before its hello to make room under the pending handshake limits"))
        flood.cancel()
        await flood.value
        await peer.shutdown()
        await b.shutdown()
    }

    @Test("a silent socket is closed at the hello deadline, well before the handshake deadline")
    func helloDeadline() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.helloTimeoutMillis = 300
        config.handshakeTimeoutMillis = 60_000
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let silent = try await RawPeer(port: b.listeningPort ?? 0, group: Self.group)
        #expect(await Wait.until(seconds: 10) { b.stats.handshakeFailures["hello_timeout", default: 0] == 1 && !silent.channel.isActive })
        #expect(logs.contains("no hello within 300 ms"))
        #expect(b.stats.pendingInbound == 0)
        await silent.close()
        await b.shutdown()
    }

    @Test("a misbehaving node's address is banned: a fresh key from it is refused at accept")
    func bannedAddressRefusesFreshKey() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.misbehaviourBackoffMillis = 60_000
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let port = try #require(b.listeningPort)
        let raw = try await RawPeer(port: port, group: Self.group)
        _ = try await raw.handshake(as: NetSamples.nodeKey(8), expected: b.nodeID)
        try await raw.write(withUnsafeBytes(of: UInt32(NetLimits.frameBytesMax + 1).bigEndian) { Array($0) })
        #expect(await Wait.until { b.stats.disconnects["frame_too_large", default: 0] == 1 })
        #expect(b.stats.bannedAddresses == 1)
        let fresh = try await RawPeer(port: port, group: Self.group)
        // Closed at accept: the hello goes nowhere and none comes back.
        await #expect(throws: (any Error).self) { try await fresh.handshake(as: KeyPair.generate(), expected: b.nodeID) }
        #expect(await Wait.until { b.stats.handshakeFailures["banned", default: 0] == 1 && !fresh.channel.isActive })
        #expect(b.connectedPeers.isEmpty)
        #expect(logs.contains("address is backed off after misbehaving"))
        await raw.close()
        await fresh.close()
        await b.shutdown()
    }

    @Test("on an address shared with a reserved peer, a fresh key is refused after its handshake while the reserved peer still connects")
    func bannedAddressSharedWithReservedPeer() async throws {
        let logs = LogStore()
        let reservedID = NetSamples.nodeKey(0).publicKey.address
        var config = makeConfig(1)
        config.misbehaviourBackoffMillis = 60_000
        config.unconditionalPeers = [reservedID]
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await b.start()
        // The reserved peer connects first, so b knows its address.
        var dialer = makeConfig(0, peers: [address(of: b)])
        dialer.dialBackoffMaxMillis = 200
        let peer = PeerManager(config: dialer, group: Self.group, logger: logs.logger(), verifier: testVerifier)
        try await peer.start()
        #expect(await Wait.until { b.connectedPeers == [reservedID] })
        // Another key from the same address misbehaves.
        let port = try #require(b.listeningPort)
        let raw = try await RawPeer(port: port, group: Self.group)
        _ = try await raw.handshake(as: NetSamples.nodeKey(8), expected: b.nodeID)
        try await raw.write(withUnsafeBytes(of: UInt32(NetLimits.frameBytesMax + 1).bigEndian) { Array($0) })
        #expect(await Wait.until { b.stats.disconnects["frame_too_large", default: 0] == 1 })
        // A fresh key completes the handshake (the address hosts a reserved peer) and is then closed.
        let fresh = try await RawPeer(port: port, group: Self.group)
        let freshKey = KeyPair.generate()
        _ = try? await fresh.handshake(as: freshKey, expected: b.nodeID)
        #expect(await Wait.until { b.stats.disconnects["banned", default: 0] == 1 })
        #expect(!b.connectedPeers.contains(freshKey.publicKey.address))
        // The reserved peer, cut off, comes back from the banned address.
        b.disconnect(reservedID, reason: "test")
        #expect(await Wait.until { b.stats.disconnects["requested", default: 0] >= 1 })
        #expect(await Wait.until(seconds: 10) { b.connectedPeers == [reservedID] })
        await raw.close()
        await fresh.close()
        await peer.shutdown()
        await b.shutdown()
    }

    @Test("per-IP inbound sessions: the third throwaway key from one address is refused, a reserved key still gets in")
    func inboundSessionsPerIP() async throws {
        let logs = LogStore()
        let reserved = NetSamples.nodeKey(7)
        var config = makeConfig(1)
        config.maxInboundPeersPerIP = 2
        config.unconditionalPeers = [reserved.publicKey.address]
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let port = try #require(b.listeningPort)
        var raws: [RawPeer] = []
        for index in 0..<3 {
            let raw = try await RawPeer(port: port, group: Self.group)
            _ = try? await raw.handshake(as: NetSamples.nodeKey(10 + index), expected: b.nodeID)
            raws.append(raw)
            if index < 2 { #expect(await Wait.until { b.connectedPeers.count == index + 1 }) }
        }
        #expect(await Wait.until { b.stats.disconnects["peer_limit", default: 0] == 1 })
        #expect(logs.contains("max_inbound_peers_per_ip"))
        let raw = try await RawPeer(port: port, group: Self.group)
        _ = try await raw.handshake(as: reserved, expected: b.nodeID)
        #expect(await Wait.until { b.connectedPeers.contains(reserved.publicKey.address) && b.connectedPeers.count == 3 })
        for raw in raws + [raw] { await raw.close() }
        await b.shutdown()
    }

    @Test("allow-list mode refuses an unknown node key and accepts an allowed one")
    func allowlistOnly() async throws {
        let logs = LogStore()
        let allowed = NetSamples.nodeKey(8)
        var config = makeConfig(1)
        config.allowlistOnly = true
        config.allowedPeers = [allowed.publicKey.address]
        let b = PeerManager(config: config, group: Self.group, logger: logs.logger())
        try await b.start()
        let port = try #require(b.listeningPort)
        let stranger = try await RawPeer(port: port, group: Self.group)
        _ = try? await stranger.handshake(as: NetSamples.nodeKey(9), expected: b.nodeID)
        #expect(await Wait.until { b.stats.disconnects["not_allowed", default: 0] == 1 })
        #expect(b.connectedPeers.isEmpty)
        #expect(logs.contains("node id is not allowed (allowlist_only)"))
        let friend = try await RawPeer(port: port, group: Self.group)
        _ = try await friend.handshake(as: allowed, expected: b.nodeID)
        #expect(await Wait.until { b.connectedPeers == [allowed.publicKey.address] })
        await stranger.close()
        await friend.close()
        await b.shutdown()
    }
}
