import NIOCore
import RatifyCore
import Synchronization
import Testing
@testable import RatifyGossip
@testable import RatifyNet

/// Crafted messages from a peer that completed the handshake: extreme heights, forged votes,
/// messages the node cannot judge yet. The node survives, keeps what is verified only, charges
/// the sender and never the relayer.
@Suite("byzantine bytes in gossip", .serialized)
struct ByzantineGossipTests {
    /// A third node dialing `b`, so that `b` has someone to relay to.
    static func observer(of b: PeerManager, _ logs: LogStore, index: Int = 2) async throws -> PeerManager {
        let c = PeerManager(config: makeConfig(index, peers: [address(of: b)]), group: testGroup, logger: logs.logger(),
                            verifier: testVerifier)
        try await c.start()
        #expect(await Wait.until { c.connectedPeers == [b.nodeID] })
        return c
    }

    /// A raw peer with a throwaway node key that completed the handshake with `target`.
    static func attacker(of target: PeerManager) async throws -> (RawPeer, FrameCipher) {
        let raw = try await RawPeer(port: try #require(target.listeningPort))
        let (sender, _) = try await raw.handshake(as: KeyPair.generate(), expected: target.nodeID)
        return (raw, sender)
    }

    @Test("a peer_state at 2^64-1 followed by any other height keeps the peer's vote sets without trapping")
    func extremeAnnouncedHeightUnit() {
        var known = PeerKnownState()
        known.markKnown(NetSamples.vote(height: 7, validator: 1))
        known.update(PeerState(height: .max, round: .max, step: .commit))
        known.update(PeerState(height: 3, round: 0, step: .propose))
        #expect(known.announced?.height == 3)
        // Height 7 is above the new announcement: kept (it is only ever dropped below height - 1).
        #expect(known.known(VoteKey(height: 7, round: 0, type: .prevote)).contains(1))
        known.update(PeerState(height: 9, round: 0, step: .propose))
        #expect(!known.known(VoteKey(height: 7, round: 0, type: .prevote)).contains(1))
        #expect(ConsensusGossip.isAdjacent(.max, to: 7) == false)
        #expect(ConsensusGossip.isAdjacent(.max, to: .max - 1))
        #expect(ConsensusGossip.isAdjacent(0, to: 1))
        #expect(ConsensusGossip.isAdjacent(0, to: 2) == false)
    }

    @Test("a proposal sent before the peer reached its height counts as unknown once the peer announces that height")
    func proposalSentEarlyIsSentAgain() {
        var known = PeerKnownState()
        known.update(PeerState(height: 6, round: 0, step: .commit))
        known.proposalKnown = (7, 0)
        known.update(PeerState(height: 6, round: 1, step: .prevote))
        #expect(known.proposalKnown?.height == 7)
        known.update(PeerState(height: 7, round: 0, step: .propose))
        #expect(known.proposalKnown == nil)
        known.proposalKnown = (7, 0)
        known.update(PeerState(height: 7, round: 0, step: .prevote))
        #expect(known.proposalKnown?.height == 7)
    }

    @Test("a peer_state and a signed vote at 2^64-1 over the wire: the node survives, keeps the vote out of its store and its honest peer connected")
    func extremeHeightsOverTheWire() async throws {
        let logs = LogStore()
        let (a, b, _, gossip) = try await GossipTests.gossipingPair(logs)
        let gossipB = try #require(gossip)
        let inbox = Inbox(b)
        gossipB.updateLocalState(height: 7, round: 0, step: .prevote)
        let (raw, sender) = try await Self.attacker(of: b)
        var cipher = sender
        var bytes: [UInt8] = []
        bytes += try RawPeer.sealedFrame(.peerState(PeerState(height: .max, round: .max, step: .commit)), &cipher)
        bytes += try RawPeer.sealedFrame(.peerState(PeerState(height: 3, round: 0, step: .propose)), &cipher)
        let extreme = NetSamples.vote(height: .max, round: .max, validator: 2)
        bytes += try RawPeer.sealedFrame(.vote(extreme), &cipher)
        try await raw.write(bytes)
        #expect(await Wait.until { inbox.votes().contains(extreme) })
        #expect(gossipB.storedVotes == 0)

        let honest = NetSamples.vote(height: 7, validator: 1)
        a.broadcast(.vote(honest))
        #expect(await Wait.until { inbox.votes().contains(honest) })
        #expect(await Wait.until { gossipB.storedVotes == 1 })
        #expect(b.connectedPeers.contains(a.nodeID))
        #expect(b.stats.disconnects["invalid_signature", default: 0] == 0)
        await raw.close()
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a forged vote for a real validator is charged to its sender, never relayed or stored; the real vote then propagates")
    func forgedVoteDoesNotTakeTheSlot() async throws {
        let logs = LogStore()
        let (a, b, _, gossip) = try await GossipTests.gossipingPair(logs)
        let gossipB = try #require(gossip)
        let c = try await Self.observer(of: b, logs)
        let atC = Inbox(c)
        gossipB.updateLocalState(height: 7, round: 0, step: .prevote)
        let real = NetSamples.vote(height: 7, validator: 1)
        var forged = real
        forged.blockID = BlockID(hash: Hash.sha256([0xBA, 0xD]))  // the signature no longer matches
        let (raw, sender) = try await Self.attacker(of: b)
        var cipher = sender
        try await raw.write(try RawPeer.sealedFrame(.vote(forged), &cipher))
        #expect(await Wait.until { b.stats.disconnects["invalid_signature", default: 0] == 1 })
        #expect(gossipB.storedVotes == 0)

        a.broadcast(.vote(real))
        #expect(await Wait.until { atC.votes().contains(real) })
        #expect(!atC.votes().contains(forged))
        #expect(await Wait.until { gossipB.storedVotes == 1 })
        // The relayer b was never charged: its peers kept it, and nobody was backed off but the forger.
        #expect(Set(b.connectedPeers) == [a.nodeID, c.nodeID])
        #expect(c.stats.disconnects.isEmpty && a.stats.disconnects.isEmpty)
        #expect(b.stats.penalties == 1)
        await raw.close()
        for manager in [a, b, c] { await manager.shutdown() }
    }

    final class Ceiling: Sendable { let height = Mutex<Height>(7) }

    @Test("a message the node cannot judge yet is neither delivered, relayed nor charged, and a later copy is taken")
    func ignoredUntilJudgeable() async throws {
        let logs = LogStore()
        let ceiling = Ceiling()
        let windowed: MessageVerifier = { message in
            if case .vote(let vote) = message, vote.height > ceiling.height.withLock({ $0 }) { return .ignored }
            return testVerifier(message)
        }
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger(), verifier: windowed)
        _ = ConsensusGossip(peers: b)  // relays what b verified to its observer
        try await b.start()
        let a = PeerManager(config: makeConfig(0, peers: [address(of: b)]), group: testGroup, logger: logs.logger(),
                            verifier: testVerifier)
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 && b.connectedPeers.count == 1 })
        let c = try await Self.observer(of: b, logs)
        let atB = Inbox(b), atC = Inbox(c)
        let ahead = NetSamples.vote(height: 9, validator: 1)
        a.broadcast(.vote(ahead))
        // A marker sent after it on the same session: once it arrives, the ignored vote was handled.
        let marker = NetSamples.vote(height: 7, validator: 2)
        a.broadcast(.vote(marker))
        #expect(await Wait.until { atB.votes().contains(marker) && atC.votes().contains(marker) })
        #expect(!atB.votes().contains(ahead))
        #expect(!atC.votes().contains(ahead))
        #expect(b.connectedPeers.contains(a.nodeID))

        ceiling.height.withLock { $0 = 9 }
        a.broadcast(.vote(ahead))
        #expect(await Wait.until { atB.votes().contains(ahead) && atC.votes().contains(ahead) })
        #expect(b.stats.disconnects.isEmpty)
        for manager in [a, b, c] { await manager.shutdown() }
    }

    @Test("a transaction judged unverified is delivered but relayed only by the node, after it admits it")
    func unverifiedIsNotRelayedByTheNetwork() async throws {
        let logs = LogStore()
        let deferring: MessageVerifier = { message in
            if case .transaction = message { return .unverified }
            return testVerifier(message)
        }
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger(), verifier: deferring)
        _ = ConsensusGossip(peers: b)  // relays the marker vote b verified to its observer
        try await b.start()
        let a = PeerManager(config: makeConfig(0, peers: [address(of: b)]), group: testGroup, logger: logs.logger(),
                            verifier: testVerifier)
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 && b.connectedPeers.count == 1 })
        let c = try await Self.observer(of: b, logs)
        let atB = Inbox(b), atC = Inbox(c)
        let transaction = NetSamples.transaction()
        a.broadcast(.transaction(transaction))
        let marker = NetSamples.vote(height: 7, validator: 2)
        a.broadcast(.vote(marker))
        #expect(await Wait.until { atC.votes().contains(marker) })
        #expect(atB.count { if case .transaction = $0.message { true } else { false } } == 1)
        #expect(atC.count { if case .transaction = $0.message { true } else { false } } == 0)
        // The node admitted it: now it goes on, to everyone but the peer it came from.
        b.relay(.transaction(transaction), from: a.nodeID)
        #expect(await Wait.until { atC.count { if case .transaction = $0.message { true } else { false } } == 1 })
        for manager in [a, b, c] { await manager.shutdown() }
    }
}
