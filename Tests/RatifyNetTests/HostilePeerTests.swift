import NIOCore
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// A node in a running 4-node mesh is attacked by many hostile connections while its three
/// honest peers keep gossiping votes to it.
@Suite("hostile peers", .serialized)
struct HostilePeerTests {
    final class Box: Sendable {
        let maxima = Mutex(NetStats(peers: 0, inboundPeers: 0, pendingInbound: 0, openChannels: 0, seenDigests: 0, penalties: 0, bannedAddresses: 0, queuedBytes: 0, assemblingBytes: 0,
                                    handshakeFailures: [:], disconnects: [:], udpRejected: [:], deliveryDropped: 0,
                                    duplicatesDropped: 0))
        let framesSent = Mutex(0)
    }

    static let connectionsPerKind = 40
    static let framesPerConnection = 50

    enum Attack: CaseIterable {
        case randomBeforeHandshake, randomAfterHandshake, replayedAfterHandshake, truncated, oversized
    }

    @Test("10,000 random, truncated, oversized and replayed frames plus a handshake flood: honest gossip continues and buffers stay bounded")
    func hostilePeers() async throws {
        let logs = LogStore()
        var managers: [PeerManager] = []
        for index in 0..<4 {
            var config = makeConfig(index, peers: managers.map(address(of:)))
            config.maxPendingHandshakes = 16
            config.handshakeTimeoutMillis = 1_000
            // Every attacker comes from 127.0.0.1 like the honest peers: no address bans and
            // per-IP limits here, so that each attack reaches the frame layer it is aimed at
            // (AdmissionTests covers bans and per-IP limits).
            config.misbehaviourBackoffMillis = 0
            config.maxPendingHandshakesPerIP = 16
            config.maxInboundPeersPerIP = 64
            config.seenSetMax = 4_096
            let manager = PeerManager(config: config, group: testGroup, logger: logs.logger(), verifier: testVerifier)
            try await manager.start()
            managers.append(manager)
        }
        #expect(await Wait.until { managers.allSatisfy { $0.connectedPeers.count == 3 } })
        let target = managers[0]
        let port = try #require(target.listeningPort)
        let inbox = Inbox(target)
        let residentBefore = residentBytes()

        let box = Box()
        let mesh = managers
        let votesPerHonest = 60
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Honest gossip: each honest node broadcasts a new vote every 10 ms.
            for honest in 1...3 {
                group.addTask {
                    for height in 0..<votesPerHonest {
                        mesh[honest].broadcast(.vote(NetSamples.vote(height: 1_000 + Height(height), validator: honest)))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
            }
            // Watch the target's buffers while the attack runs.
            group.addTask {
                for _ in 0..<400 {
                    let stats = target.stats
                    box.maxima.withLock { maxima in
                        maxima.pendingInbound = max(maxima.pendingInbound, stats.pendingInbound)
                        maxima.openChannels = max(maxima.openChannels, stats.openChannels)
                        maxima.seenDigests = max(maxima.seenDigests, stats.seenDigests)
                        maxima.queuedBytes = max(maxima.queuedBytes, stats.queuedBytes)
                        maxima.assemblingBytes = max(maxima.assemblingBytes, stats.assemblingBytes)
                        maxima.penalties = max(maxima.penalties, stats.penalties)
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            // The attack: five kinds of frame abuse, eight connections at a time.
            group.addTask {
                try await withThrowingTaskGroup(of: Int.self) { attackers in
                    var started = 0
                    let jobs = Attack.allCases.flatMap { kind in (0..<Self.connectionsPerKind).map { (kind, $0) } }
                    for (kind, index) in jobs {
                        if started >= 8, let sent = try await attackers.next() { box.framesSent.withLock { $0 += sent } }
                        started += 1
                        attackers.addTask { await Self.attack(kind, seed: UInt64(index), port: port, chainTarget: target.nodeID) }
                    }
                    for try await sent in attackers { box.framesSent.withLock { $0 += sent } }
                }
            }
            // The handshake flood: 200 connections that send part of a hello and stall.
            group.addTask {
                var stalled: [RawPeer] = []
                try await Task.sleep(for: .milliseconds(300))
                for _ in 0..<200 {
                    guard let raw = try? await RawPeer(port: port) else { continue }
                    try? await raw.write([0, 0, 0, 80, 1, 0])
                    stalled.append(raw)
                }
                try await Task.sleep(for: .milliseconds(1_200))
                for raw in stalled { await raw.close() }
            }
            try await group.waitForAll()
        }

        #expect(box.framesSent.withLock { $0 } >= 10_000)
        // Honest traffic got through: every honest vote reached the target, and the honest peers are still its peers.
        let expected = (1...3).flatMap { honest in (0..<votesPerHonest).map { NetSamples.vote(height: 1_000 + Height($0), validator: honest) } }
        #expect(await Wait.until(seconds: 20) { Set(inbox.votes()).isSuperset(of: expected) })
        #expect(await Wait.until { Set(target.connectedPeers) == Set(managers.dropFirst().map(\.nodeID)) })
        // Bounded: the limits held while under attack.
        let peak = box.maxima.withLock { $0 }
        #expect(peak.pendingInbound <= 16)
        #expect(peak.openChannels <= 16 + 3 + 8 + 2)
        #expect(peak.seenDigests <= 4_096)
        #expect(peak.queuedBytes <= target.config.sendQueueBytesTotalMax)
        #expect(peak.assemblingBytes <= CodecLimits.blockBytesMax)
        #expect(await Wait.until { target.stats.pendingInbound == 0 && target.stats.openChannels <= 3 })
        let grownBytes = residentBytes() - residentBefore
        #expect(grownBytes < 256 * 1024 * 1024, "resident memory grew by \(grownBytes) bytes")
        let stats = target.stats
        // Every hostile connection was refused at accept, failed its handshake, or was cut at its first bad frame.
        let hostileConnections = Self.connectionsPerKind * Attack.allCases.count
        #expect(stats.handshakeFailures.values.reduce(0, +) + stats.disconnects["bad_mac", default: 0] >= hostileConnections)
        #expect(stats.disconnects["bad_mac", default: 0] >= 10)
        #expect(stats.handshakeFailures["malformed", default: 0] >= 10)
        print("hostile test: frames \(box.framesSent.withLock { $0 }), peak \(peak.pendingInbound) pending, \(peak.openChannels) channels, "
              + "rss +\(grownBytes / 1024) KiB, handshake failures \(stats.handshakeFailures), disconnects \(stats.disconnects)")
        for manager in managers { await manager.shutdown() }
    }

    /// One hostile connection; returns how many frames it tried to send.
    static func attack(_ kind: Attack, seed: UInt64, port: Int, chainTarget: NodeID) async -> Int {
        var random = SplitMix64(seed: seed &* 0x100 &+ UInt64(Attack.allCases.firstIndex(of: kind) ?? 0))
        guard let raw = try? await RawPeer(port: port) else { return framesPerConnection }
        defer { Task { await raw.close() } }
        var bytes: [UInt8] = []
        switch kind {
        case .randomBeforeHandshake:
            for _ in 0..<framesPerConnection {
                bytes += RawPeer.frame((0..<Int.random(in: 0...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
        case .randomAfterHandshake, .replayedAfterHandshake:
            guard var (sender, _) = try? await raw.handshake(as: KeyPair.generate(), expected: chainTarget) else {
                return framesPerConnection
            }
            if kind == .randomAfterHandshake {
                for _ in 0..<framesPerConnection {
                    bytes += RawPeer.frame((0..<Int.random(in: 16...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
                }
            } else {
                let valid = (try? RawPeer.sealedFrame(.vote(NetSamples.vote(height: 5, validator: 0)), &sender)) ?? []
                for _ in 0..<framesPerConnection { bytes += valid }
            }
        case .truncated:
            for _ in 0..<framesPerConnection {
                bytes += withUnsafeBytes(of: UInt32(300).bigEndian) { Array($0) } + [UInt8](repeating: 7, count: Int.random(in: 0...100, using: &random))
            }
        case .oversized:
            for _ in 0..<framesPerConnection {
                bytes += [0xFF, 0xFF, 0xFF, UInt8.random(in: 0...255, using: &random)] + [UInt8](repeating: 1, count: 64)
            }
        }
        try? await raw.write(bytes)
        return framesPerConnection
    }
}
