import Logging
import NIOCore
import RatifyCore
import Testing
@testable import RatifyNet

@Suite("TCP sessions on loopback", .serialized)
struct SessionTests {
    @Test("two valid peers complete the handshake and exchange a vote")
    func handshakeSucceeds() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger())
        try await b.start()
        let a = PeerManager(config: makeConfig(0, peers: [address(of: b)]), group: testGroup, logger: logs.logger())
        try await a.start()
        let inbox = Inbox(b)
        #expect(await Wait.until { a.connectedPeers == [b.nodeID] && b.connectedPeers == [a.nodeID] })
        let vote = NetSamples.vote()
        #expect(a.send(.vote(vote), to: b.nodeID))
        #expect(await Wait.until { inbox.votes() == [vote] })
        #expect(inbox.snapshot().first?.peer == a.nodeID)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a session on which nothing arrives for the silence timeout is closed as silent; one that hears keep-alives is kept")
    func silentPeer() async throws {
        let logs = LogStore()
        var quiet = makeConfig(1)
        quiet.gossipIntervalMillis = 3_600_000  // never announces: after the handshake, silence
        let b = PeerManager(config: quiet, group: testGroup, logger: logs.logger())
        let c = PeerManager(config: makeConfig(2), group: testGroup, logger: logs.logger())
        try await b.start()
        try await c.start()
        var config = makeConfig(0, peers: [address(of: b), address(of: c)])
        // Above the 1 s announcement interval, with room for a machine busy with other tests.
        config.peerSilenceTimeoutMillis = 2_500
        let a = PeerManager(config: config, group: testGroup, logger: logs.logger())
        try await a.start()
        #expect(await Wait.until { a.stats.disconnects["silent", default: 0] >= 1 })
        // The line is written just after the count, on the closing thread.
        #expect(await Wait.until { logs.contains("nothing received for 2500 ms; the path to the peer is down") })
        // c sends a keep-alive about once a second (it has nothing else to say), so its session outlives several timeouts.
        try await Task.sleep(for: .milliseconds(6_000))
        #expect(a.connectedPeers.contains(c.nodeID))
        #expect(c.connectedPeers == [a.nodeID])
        #expect(c.stats.disconnects.isEmpty, "c: \(c.stats.disconnects), a: \(a.stats.disconnects)")
        await a.shutdown()
        await b.shutdown()
        await c.shutdown()
    }

    @Test("the dialer refuses a peer that is not the node id it dialed, with a clear log line")
    func wrongNodeID() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger())
        try await b.start()
        let wrong = NetSamples.nodeKey(7).publicKey.address
        let target = PeerAddress(nodeID: wrong, endpoint: HostPort(host: "127.0.0.1", port: UInt16(b.listeningPort ?? 0)))
        let a = PeerManager(config: makeConfig(0, peers: [target]), group: testGroup, logger: logs.logger())
        try await a.start()
        #expect(await Wait.until { logs.contains("dialed node \(wrong) but the peer is \(b.nodeID)") })
        #expect(a.connectedPeers.isEmpty)
        #expect(a.stats.handshakeFailures["wrong_node_id", default: 0] >= 1)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a node refuses a peer of another protocol version at its hello, naming both versions")
    func otherProtocolVersion() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger())
        try await b.start()
        var hello = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: NetSamples.nodeKey(7), udpPort: 0,
                              expectedPeer: nil).hello
        hello.version = HandshakeHello.protocolVersion - 1
        let old = try await RawPeer(port: b.listeningPort ?? 0)
        try await old.write(RawPeer.frame(NetMessage.hello(hello).encoded))
        let ours = HandshakeHello.protocolVersion
        #expect(await Wait.until { logs.contains("peer speaks protocol version \(ours - 1), this node \(ours)") })
        #expect(await Wait.until { b.stats.handshakeFailures["protocol_version", default: 0] == 1 })
        #expect(b.connectedPeers.isEmpty)
        await old.close()
        await b.shutdown()
    }

    @Test("peers on different chains refuse each other, naming both chain ids")
    func differentChain() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1, chainID: "chain-b"), group: testGroup, logger: logs.logger())
        try await b.start()
        let a = PeerManager(config: makeConfig(0, chainID: "chain-a", peers: [address(of: b)]), group: testGroup, logger: logs.logger())
        try await a.start()
        #expect(await Wait.until { logs.contains("peer is on chain 'chain-b', this node is on 'chain-a'") })
        #expect(await Wait.until { logs.contains("peer is on chain 'chain-a', this node is on 'chain-b'") })
        #expect(a.connectedPeers.isEmpty && b.connectedPeers.isEmpty)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("an auth whose signature does not verify is refused as a bad signature")
    func badSignature() async throws {
        let logs = LogStore()
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger())
        try await b.start()
        let raw = try await RawPeer(port: b.listeningPort ?? 0)
        let key = NetSamples.nodeKey(5)
        var handshake = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: key, udpPort: 0, expectedPeer: b.nodeID)
        try await raw.write(RawPeer.frame(NetMessage.hello(handshake.hello).encoded))
        let helloBytes = try #require(await raw.nextFrame())
        guard case .hello(let peerHello) = try NetMessage.decode(helloBytes, chainID: NetSamples.chainID) else {
            Issue.record("expected a hello")
            return
        }
        let (_, keys) = try handshake.receive(peer: peerHello)
        // Signed with the right key over the wrong role: a well-formed signature that must not verify.
        let forged = key.sign(Handshake.signBytes(role: .acceptor, transcriptHash: Hash.sha256([1])))
        var sender = FrameCipher(key: keys.tcpSend)
        let sealed = try sender.seal(NetMessage.auth(HandshakeAuth(signature: forged)).encoded,
                                     aad: withUnsafeBytes(of: UInt32(NetLimits.tagBytes + 65).bigEndian) { Array($0) })
        try await raw.write(RawPeer.frame(sealed))
        #expect(await Wait.until { logs.contains("invalid transcript signature from node \(key.publicKey.address)") })
        #expect(b.connectedPeers.isEmpty)
        await raw.close()
        await b.shutdown()
    }

    @Test("a truncated handshake and a stalled one are reported, and no session is made")
    func truncatedHandshake() async throws {
        let logs = LogStore()
        var config = makeConfig(1)
        config.handshakeTimeoutMillis = 300
        let b = PeerManager(config: config, group: testGroup, logger: logs.logger())
        try await b.start()
        let hello = RawPeer.frame(NetMessage.hello(Handshake(role: .dialer, chainID: NetSamples.chainID,
            nodeKey: NetSamples.nodeKey(6), udpPort: 0, expectedPeer: nil).hello).encoded)
        let cut = try await RawPeer(port: b.listeningPort ?? 0)
        try await cut.write(Array(hello.prefix(hello.count / 2)))
        await cut.close()
        #expect(await Wait.until { logs.contains("connection closed before the handshake completed (truncated handshake)") })
        let stalled = try await RawPeer(port: b.listeningPort ?? 0)
        try await stalled.write(Array(hello.prefix(10)))
        #expect(await Wait.until { logs.contains("not completed within 300 ms") })
        #expect(b.connectedPeers.isEmpty)
        #expect(await Wait.until { b.stats.pendingInbound == 0 })
        await stalled.close()
        await b.shutdown()
    }
}
