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

    /// The test verifier, except that transactions are left to the node (`unverified`), as the
    /// node's own verifier does.
    static let deferringTransactions: MessageVerifier = { message in
        if case .transaction = message { return .unverified }
        return testVerifier(message)
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
        let b = PeerManager(config: makeConfig(1), group: testGroup, logger: logs.logger(), verifier: Self.deferringTransactions)
        _ = ConsensusGossip(peers: b)  // relays the marker vote b verified to its observer
        try await b.start()
        let a = PeerManager(config: makeConfig(0, peers: [address(of: b)]), group: testGroup, logger: logs.logger(),
                            verifier: testVerifier)
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 && b.connectedPeers.count == 1 })
        let c = try await Self.observer(of: b, logs)
        let atB = Inbox(b), atC = Inbox(c)
        a.broadcast(.transaction(TransactionGossip(NetSamples.transaction())))
        let marker = NetSamples.vote(height: 7, validator: 2)
        a.broadcast(.vote(marker))
        #expect(await Wait.until { atC.votes().contains(marker) })
        let received = try #require(atB.snapshot().first { if case .transaction = $0.message { true } else { false } })
        #expect(atC.count { if case .transaction = $0.message { true } else { false } } == 0)
        // The node admitted it: now it goes on, to everyone its sender did not name, naming
        // them, the sender and the sender's list.
        b.relay(received.message, from: received.peer)
        #expect(await Wait.until { atC.count { if case .transaction = $0.message { true } else { false } } == 1 })
        let relayed = try #require(atC.snapshot().first { if case .transaction = $0.message { true } else { false } })
        guard case .transaction(let gossip) = relayed.message else { return }
        #expect(Set(gossip.sentTo) == [c.nodeID, a.nodeID, b.nodeID])
        for manager in [a, b, c] { await manager.shutdown() }
    }

    @Test("in a full mesh a transaction crosses each link once: the first send names every peer, so nobody relays it")
    func transactionCrossesEachLinkOnce() async throws {
        let logs = LogStore()
        let deferring = Self.deferringTransactions
        let a = PeerManager(config: makeConfig(0), group: testGroup, logger: logs.logger(), verifier: deferring)
        try await a.start()
        let b = PeerManager(config: makeConfig(1, peers: [address(of: a)]), group: testGroup, logger: logs.logger(), verifier: deferring)
        try await b.start()
        let c = PeerManager(config: makeConfig(2, peers: [address(of: a), address(of: b)]), group: testGroup,
                            logger: logs.logger(), verifier: deferring)
        try await c.start()
        #expect(await Wait.until { [a, b, c].allSatisfy { $0.connectedPeers.count == 2 } })
        let atB = Inbox(b), atC = Inbox(c)
        let isTransaction: (InboundMessage) -> Bool = { if case .transaction = $0.message { true } else { false } }
        a.broadcast(.transaction(TransactionGossip(NetSamples.transaction())))
        #expect(await Wait.until { atB.count(where: isTransaction) == 1 && atC.count(where: isTransaction) == 1 })
        // Both admit it and relay it as the node does: neither sends it on.
        for (manager, inbox) in [(b, atB), (c, atC)] {
            let received = try #require(inbox.snapshot().first(where: isTransaction))
            guard case .transaction(let gossip) = received.message else { return }
            #expect(Set(gossip.sentTo) == [b.nodeID, c.nodeID])
            manager.relay(received.message, from: received.peer)
        }
        // A marker vote from each after the relays: when it is in, any relayed copy was too.
        let markerB = NetSamples.vote(height: 7, validator: 1), markerC = NetSamples.vote(height: 7, validator: 2)
        b.broadcast(.vote(markerB))
        c.broadcast(.vote(markerC))
        #expect(await Wait.until { atC.votes().contains(markerB) && atB.votes().contains(markerC) })
        #expect(b.stats.duplicatesDropped == 0 && c.stats.duplicatesDropped == 0)
        #expect(atB.count(where: isTransaction) == 1 && atC.count(where: isTransaction) == 1)
        for manager in [a, b, c] { await manager.shutdown() }
    }

    @Test("a relayed transaction's list is cut at 64 names, and a longer list does not decode")
    func sentToListIsBounded() throws {
        let many = (0..<100).map { NetSamples.nodeKey($0).publicKey.address }
        let gossip = TransactionGossip(NetSamples.transaction(), sentTo: Array(many.prefix(TransactionGossip.sentToMax)))
        let relayed = gossip.relayed(to: Array(many.suffix(30)), from: many[99])
        #expect(relayed.sentTo.count == TransactionGossip.sentToMax)
        #expect(Array(relayed.sentTo.prefix(30)) == Array(many.suffix(30)), "its own recipients first")
        #expect(Set(relayed.sentTo).count == relayed.sentTo.count, "no name twice")
        var writer = ByteWriter()
        writer.write(NetMessage.Kind.transaction.rawValue)
        writer.write(NetSamples.transaction())
        writer.write(UInt32(TransactionGossip.sentToMax + 1))
        for peer in many.prefix(TransactionGossip.sentToMax + 1) { writer.write(peer) }
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(writer.bytes, chainID: NetSamples.chainID) }
    }

    @Test("one transaction sent with two different lists is one message to the duplicate filter")
    func sentToListIsOutsideTheDigest() {
        let transaction = NetSamples.transaction()
        let bare = NetMessage.transaction(TransactionGossip(transaction))
        let named = NetMessage.transaction(TransactionGossip(transaction, sentTo: [NetSamples.nodeKey(3).publicKey.address]))
        #expect(bare.encoded != named.encoded)
        #expect(bare.seenDigest == named.seenDigest)
        #expect(bare.seenDigest != NetMessage.transaction(TransactionGossip(NetSamples.transaction(nonce: 2))).seenDigest)
        #expect(NetMessage.vote(NetSamples.vote()).seenDigest == Hash.sha256(NetMessage.vote(NetSamples.vote()).encoded))
    }
}
