import NIOCore
import NIOPosix
import RatifyCore
import Testing
@testable import RatifyGossip
@testable import RatifyNet

/// Checks votes against the test validator keys, as the node's verifier does with its validator set.
let testVerifier: MessageVerifier = { message in
    switch message {
    case .vote(let vote):
        guard let key = NetSamples.validatorKeys.first(where: { $0.publicKey.address == vote.validatorAddress }),
              key.publicKey.verify(vote.signature, message: vote.signBytes(chainID: NetSamples.chainID)) else { return .invalid("vote") }
        return .verified
    default:
        return PeerManager.selfContainedVerifier(message)
    }
}

@Suite("gossip, catch-up and UDP", .serialized)
struct GossipTests {
    static func pair(_ logs: LogStore, udp: Bool = false, configure: (inout NetConfig) -> Void = { _ in })
        async throws -> (PeerManager, PeerManager) {
        let pair = try await gossipingPair(logs, udp: udp, attach: false, configure: configure)
        return (pair.a, pair.b)
    }

    /// Two connected managers, `a` dialing `b`, each with the consensus gossip attached before it
    /// started (unless `attach` is false).
    static func gossipingPair(_ logs: LogStore, udp: Bool = false, attach: Bool = true,
                              configure: (inout NetConfig) -> Void = { _ in })
        async throws -> (a: PeerManager, b: PeerManager, gossipA: ConsensusGossip?, gossipB: ConsensusGossip?) {
        var configB = makeConfig(1, udp: udp)
        configure(&configB)
        let b = PeerManager(config: configB, group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipB = attach ? ConsensusGossip(peers: b) : nil
        try await b.start()
        let a = PeerManager(config: makeConfig(0, peers: [address(of: b)], udp: udp), group: testGroup,
                            logger: logs.logger(), verifier: testVerifier)
        let gossipA = attach ? ConsensusGossip(peers: a) : nil
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 && b.connectedPeers.count == 1 })
        return (a, b, gossipA, gossipB)
    }

    @Test("a peer that connects late gets the votes it missed, resent over TCP from its announced state")
    func lateJoinerCatchesUpVotes() async throws {
        let logs = LogStore()
        let a = PeerManager(config: makeConfig(0), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipA = ConsensusGossip(peers: a)
        try await a.start()
        gossipA.updateLocalState(height: 7, round: 0, step: .prevote)
        let votes = (0..<4).map { NetSamples.vote(validator: $0) }
        for vote in votes { gossipA.broadcast(.vote(vote)) }
        let b = PeerManager(config: makeConfig(1, peers: [address(of: a)]), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipB = ConsensusGossip(peers: b)
        gossipB.updateLocalState(height: 7, round: 0, step: .prevote)
        let inbox = Inbox(b)
        try await b.start()
        #expect(await Wait.until { Set(inbox.votes()) == Set(votes) })
        #expect(inbox.votes().count == 4, "each vote delivered once")
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a peer that announces a POL round it cannot confirm gets that round's prevotes, though both are rounds past it")
    func lackingPOLRoundPrevotesAreSent() async throws {
        let logs = LogStore()
        let a = PeerManager(config: makeConfig(0), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipA = ConsensusGossip(peers: a)
        try await a.start()
        gossipA.updateLocalState(height: 7, round: 0, step: .prevote)
        let prevotes = (0..<3).map { NetSamples.vote(round: 0, validator: $0) }
        for vote in prevotes { gossipA.broadcast(.vote(vote)) }
        gossipA.broadcast(.vote(NetSamples.vote(.precommit, round: 0, validator: 0)))
        gossipA.updateLocalState(height: 7, round: 2, step: .propose)
        let b = PeerManager(config: makeConfig(1, peers: [address(of: a)]), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipB = ConsensusGossip(peers: b)
        // Round 2's proposal cites round 0; b holds none of round 0's prevotes.
        gossipB.updateLocalState(height: 7, round: 2, step: .propose, polRound: 0)
        let inbox = Inbox(b)
        try await b.start()
        #expect(await Wait.until { Set(inbox.votes()) == Set(prevotes) })
        #expect(inbox.votes().allSatisfy { $0.type == .prevote }, "only the POL round's prevotes were asked for")
        await a.shutdown()
        await b.shutdown()
    }

    @Test("votes dropped because the node's delivery queue was full are sent again by gossip")
    func droppedDeliveriesAreResent() async throws {
        let logs = LogStore()
        let (a, b, gossipA, gossipB) = try await Self.gossipingPair(logs) { $0.deliveryBufferMax = 2 }
        gossipA?.updateLocalState(height: 7, round: 0, step: .prevote)
        gossipB?.updateLocalState(height: 7, round: 0, step: .prevote)
        let votes = (0..<4).map { NetSamples.vote(validator: $0) }
        for vote in votes { gossipA?.broadcast(.vote(vote)) }
        #expect(await Wait.until { b.stats.deliveryDropped >= 2 })
        let inbox = Inbox(b) // the node starts reading: the two queued votes, then the resent ones
        #expect(await Wait.until { Set(inbox.votes()) == Set(votes) })
        await a.shutdown()
        await b.shutdown()
    }

    @Test("a peer that is behind gets decided blocks with their commits")
    func blockCatchUp() async throws {
        let logs = LogStore()
        let (a, b, gossipA, gossipB) = try await Self.gossipingPair(logs)
        a.setBlockProvider { height in (NetSamples.block(height: height), NetSamples.commit(height: height)) }
        gossipA?.updateLocalState(height: 5, round: 0, step: .propose)
        let inbox = Inbox(b)
        gossipB?.updateLocalState(height: 3, round: 0, step: .propose)
        #expect(await Wait.until { inbox.count { if case .block(let block) = $0.message { block.height == 3 } else { false } } >= 1 })
        #expect(inbox.count { if case .commit(let commit) = $0.message { commit.height == 3 } else { false } } >= 1)
        #expect(b.send(.blockRequest(height: 4), to: a.nodeID))
        #expect(await Wait.until { inbox.count { if case .block(let block) = $0.message { block.height == 4 } else { false } } >= 1 })
        await a.shutdown()
        await b.shutdown()
    }

    @Test("catch-up goes at once to a peer two heights behind, to one a height behind only once it stays there, never to one that has decided")
    func catchUpRule() {
        let second: UInt64 = 1_000_000_000, grace = PeerKnownState.oneBehindGraceNanos
        // A height behind, still voting: left to finish the height itself for the grace.
        var oneBehind = PeerKnownState()
        oneBehind.update(PeerState(height: 8, round: 0, step: .precommit))
        #expect(oneBehind.takeCatchUp(localHeight: 9, nowNanos: 10 * second) == nil)
        #expect(oneBehind.takeCatchUp(localHeight: 9, nowNanos: 10 * second + grace - 1) == nil)
        #expect(oneBehind.takeCatchUp(localHeight: 9, nowNanos: 10 * second + grace) == 8)
        #expect(oneBehind.takeCatchUp(localHeight: 9, nowNanos: 10 * second + grace + 1) == nil, "once a second")
        #expect(oneBehind.takeCatchUp(localHeight: 9, nowNanos: 10 * second + grace + second) == 8)
        // It moves on, and falls a height behind again: the grace starts over.
        oneBehind.update(PeerState(height: 9, round: 0, step: .prevote))
        #expect(oneBehind.takeCatchUp(localHeight: 10, nowNanos: 20 * second) == nil)
        #expect(oneBehind.takeCatchUp(localHeight: 10, nowNanos: 20 * second + grace) == 9)

        // Decided, executing and storing: nothing, however long, however far behind.
        var deciding = PeerKnownState()
        deciding.update(PeerState(height: 8, round: 1, step: .commit))
        for (local, seconds) in [(9, 0), (9, 5), (12, 60)] as [(Height, UInt64)] {
            #expect(deciding.takeCatchUp(localHeight: local, nowNanos: seconds * second) == nil)
        }

        // Two or more heights behind: at once.
        var far = PeerKnownState()
        far.update(PeerState(height: 5, round: 2, step: .prevote))
        #expect(far.takeCatchUp(localHeight: 7, nowNanos: 3) == 5)
        // At a height a node one behind has reached by the time it is two behind: at once too.
        var slipping = PeerKnownState()
        slipping.update(PeerState(height: 8, round: 0, step: .prevote))
        #expect(slipping.takeCatchUp(localHeight: 9, nowNanos: second) == nil)
        #expect(slipping.takeCatchUp(localHeight: 10, nowNanos: second + 1) == 8)

        // Level with this node, or ahead of it: nothing.
        var level = PeerKnownState()
        level.update(PeerState(height: 9, round: 0, step: .propose))
        #expect(level.takeCatchUp(localHeight: 9, nowNanos: 60 * second) == nil)
        level.update(PeerState(height: UInt64.max, round: 0, step: .propose))
        #expect(level.takeCatchUp(localHeight: 9, nowNanos: 60 * second) == nil)
    }

    @Test("a relayed vote goes, after the relay delay, only to the peers that have not announced it")
    func relaysSkipPeersThatAnnouncedTheVote() async throws {
        let logs = LogStore()
        // a <- b <- c, and c -> a: a full mesh of three, each with its consensus gossip.
        let a = PeerManager(config: makeConfig(0), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipA = ConsensusGossip(peers: a)
        try await a.start()
        let b = PeerManager(config: makeConfig(1, peers: [address(of: a)]), group: testGroup, logger: logs.logger(), verifier: testVerifier)
        let gossipB = ConsensusGossip(peers: b)
        try await b.start()
        let c = PeerManager(config: makeConfig(2, peers: [address(of: a), address(of: b)]), group: testGroup,
                            logger: logs.logger(), verifier: testVerifier)
        let gossipC = ConsensusGossip(peers: c)
        try await c.start()
        #expect(await Wait.until { [a, b, c].allSatisfy { $0.connectedPeers.count == 2 } })
        for gossip in [gossipA, gossipB, gossipC] { gossip.updateLocalState(height: 7, round: 0, step: .prevote) }
        let atC = Inbox(c)

        // c holds and announces `held`; once b knows, a sends it to b alone: b must not relay it to c.
        let held = NetSamples.vote(validator: 1)
        gossipC.keep(held)
        gossipC.reannounce()
        #expect(await Wait.until { gossipB.state.withLock { $0.known[c.nodeID]?.knows(held) ?? false } })
        #expect(a.send(.vote(held), to: b.nodeID))
        // c lacks `lacking`, sent the same way after it: b relays it to c after the delay.
        let lacking = NetSamples.vote(validator: 2)
        #expect(a.send(.vote(lacking), to: b.nodeID))
        #expect(await Wait.until { atC.votes().contains(lacking) })
        try await Task.sleep(for: .milliseconds(300))
        #expect(!atC.votes().contains(held), "b relayed a vote c had announced")
        #expect(c.stats.duplicatesDropped == 0, "nothing reached c twice")
        for manager in [a, b, c] { await manager.shutdown() }
    }

    @Test("a block larger than a frame travels in parts and arrives whole")
    func largeBlockInParts() async throws {
        let logs = LogStore()
        let (a, b) = try await Self.pair(logs)
        let inbox = Inbox(b)
        var block = NetSamples.block(transactions: 1)
        block.transactions = [Transaction](repeating: NetSamples.transaction(), count: 7_000)
        block = Block.make(chainID: NetSamples.chainID, height: 7, timeMillis: 1, lastBlockID: block.header.lastBlockID,
                           lastCommit: block.lastCommit, transactions: block.transactions, evidence: [],
                           validatorsHash: .zero, nextValidatorsHash: .zero, appHash: .zero, proposerAddress: .zero)
        #expect(block.canonicalBytes.count > NetLimits.messageBytesMax)
        a.broadcast(.block(block))
        #expect(await Wait.until { inbox.count { if case .block(let received) = $0.message { received == block } else { false } } == 1 })
        #expect(b.stats.assemblingBytes == 0)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("duplicates are dropped before verification; an invalid signature disconnects and backs off the peer")
    func duplicatesAndInvalidSignatures() async throws {
        let logs = LogStore()
        let (a, b) = try await Self.pair(logs)
        let inbox = Inbox(b)
        let vote = NetSamples.vote(validator: 1)
        #expect(a.send(.vote(vote), to: b.nodeID))
        #expect(a.send(.vote(vote), to: b.nodeID))
        let second = NetSamples.vote(validator: 2)
        #expect(a.send(.vote(second), to: b.nodeID))
        #expect(await Wait.until { inbox.votes().count == 2 })
        #expect(inbox.votes() == [vote, second])

        var forged = NetSamples.vote(validator: 3)
        forged.round = 9 // the signature no longer matches
        #expect(a.send(.vote(forged), to: b.nodeID))
        #expect(await Wait.until { b.stats.disconnects["invalid_signature", default: 0] == 1 })
        #expect(logs.contains("invalid signature on vote"))
        #expect(!inbox.votes().contains(forged))
        #expect(b.stats.penalties == 1)
        await a.shutdown()
        await b.shutdown()
    }

    @Test("votes arrive over UDP; replayed, forged and garbage datagrams are dropped")
    func udpFastPath() async throws {
        let logs = LogStore()
        let (a, b) = try await Self.pair(logs, udp: true)
        let inbox = Inbox(b)
        let session = try #require(a.state.withLock { $0.sessions[b.nodeID] })
        let vote = NetSamples.vote(validator: 0)
        a.sendDatagram(encoded: NetMessage.vote(vote).encoded, to: session)
        #expect(await Wait.until { inbox.snapshot().contains { $0.transport == .udp && $0.message == .vote(vote) } })

        // Play an attacker on UDP with a datagram sealed under the real key, sent twice, and junk.
        let raw = try await DatagramBootstrap(group: testGroup).bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(b.udpListeningPort))
        let second = NetSamples.vote(validator: 1)
        let datagram = Self.datagram(.vote(second), keys: session.keys, counter: 1_000)
        for bytes in [datagram, datagram, [1] + [UInt8](repeating: 0xAB, count: 80)] {
            var buffer = raw.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
        }
        var tampered = Self.datagram(.vote(NetSamples.vote(validator: 2)), keys: session.keys, counter: 1_001)
        tampered[tampered.count - 1] ^= 1
        var buffer = raw.allocator.buffer(capacity: tampered.count)
        buffer.writeBytes(tampered)
        try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
        #expect(await Wait.until {
            let rejected = b.stats.udpRejected
            return rejected["replay", default: 0] >= 1 && rejected["bad_mac", default: 0] >= 1 && rejected["unknown_session", default: 0] >= 1
        })
        #expect(inbox.votes().filter { $0 == second }.count == 1)
        #expect(b.connectedPeers == [a.nodeID], "nothing on UDP ends the TCP session")
        try await raw.close()
        await a.shutdown()
        await b.shutdown()
    }

    static func datagram(_ message: NetMessage, keys: SessionKeys, counter: UInt64) -> [UInt8] {
        var header: [UInt8] = [PeerManager.datagramVersion]
        header += withUnsafeBytes(of: keys.udpSendTag.bigEndian) { Array($0) }
        header += withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let plaintext = message.encoded
        var sealed = [UInt8](repeating: 0, count: plaintext.count + NetLimits.tagBytes)
        sealed.withUnsafeMutableBytes { output in
            plaintext.withUnsafeBytes { input in
                header.withUnsafeBytes { aad in
                    FrameCipher.seal(key: keys.udpSend, counter: counter, input, aad: aad, into: output)
                }
            }
        }
        return header + sealed
    }
}

@Suite("small parts")
struct UnitTests {
    @Test("the replay window accepts each counter once, tolerates reordering and refuses stale counters")
    func replayWindow() {
        var window = ReplayWindow()
        for counter: UInt64 in [5, 3, 9, 4] {
            #expect(window.accepts(counter))
            window.record(counter)
        }
        #expect(!window.accepts(5) && !window.accepts(9))
        #expect(window.accepts(6))
        window.record(5_000)
        #expect(!window.accepts(9), "far behind the highest counter")
        #expect(window.accepts(4_999) && !window.accepts(5_000))
        window.record(4_999)
        #expect(!window.accepts(4_999))
    }

    @Test("backoff doubles up to its cap with jitter in [d/2, d], replayable from its seed")
    func backoff() {
        var first = Backoff(baseMillis: 100, maxMillis: 1_000, seed: 42)
        var second = Backoff(baseMillis: 100, maxMillis: 1_000, seed: 42)
        let delays = (0..<8).map { _ in first.nextDelayMillis() }
        #expect(delays == (0..<8).map { _ in second.nextDelayMillis() })
        for (attempt, delay) in delays.enumerated() {
            let ceiling = min(1_000, 100 << attempt)
            #expect(delay >= Int64(ceiling / 2) && delay <= Int64(ceiling))
        }
        first.reset()
        #expect(first.nextDelayMillis() <= 100)
    }

    @Test("a relay goes to a peer that needs it once: votes it has not announced of a height it is at, a proposal and its block before it passed the propose step")
    func relayNeeded() {
        let vote = NetSamples.vote(height: 7, validator: 1)
        var known = PeerKnownState()
        #expect(ConsensusGossip.relayNeeded(.vote(vote), proposedBlocks: [], known: &known))
        #expect(!ConsensusGossip.relayNeeded(.vote(vote), proposedBlocks: [], known: &known), "marked as sent")
        var prevotes = VoteBitmap(count: 4)
        prevotes.insert(2)
        var announcedIt = PeerKnownState()
        announcedIt.update(PeerState(height: 7, round: 0, step: .prevote, prevotes: prevotes))
        #expect(!ConsensusGossip.relayNeeded(.vote(NetSamples.vote(height: 7, validator: 2)), proposedBlocks: [], known: &announcedIt))
        var movedOn = PeerKnownState()
        movedOn.update(PeerState(height: 8, round: 0, step: .newHeight))
        #expect(!ConsensusGossip.relayNeeded(.vote(vote), proposedBlocks: [], known: &movedOn), "it decided height 7 without it")

        let proposal = NetSamples.proposal()
        let block = NetSamples.block()
        let proposed = [(id: block.id, round: Round(0))]
        var atPropose = PeerKnownState()
        atPropose.update(PeerState(height: 7, round: 0, step: .propose))
        #expect(ConsensusGossip.relayNeeded(.proposal(proposal), proposedBlocks: proposed, known: &atPropose))
        #expect(!ConsensusGossip.relayNeeded(.proposal(proposal), proposedBlocks: proposed, known: &atPropose), "sent once")
        #expect(ConsensusGossip.relayNeeded(.block(block), proposedBlocks: proposed, known: &atPropose))
        #expect(!ConsensusGossip.relayNeeded(.block(block), proposedBlocks: [], known: &atPropose), "no proposal names it")

        for past in [PeerState(height: 7, round: 0, step: .prevote), PeerState(height: 7, round: 1, step: .propose),
                     PeerState(height: 8, round: 0, step: .newHeight)] {
            var moved = PeerKnownState()
            moved.update(past)
            #expect(!ConsensusGossip.relayNeeded(.proposal(proposal), proposedBlocks: proposed, known: &moved))
            #expect(!ConsensusGossip.relayNeeded(.block(block), proposedBlocks: proposed, known: &moved))
        }
        var behind = PeerKnownState()
        behind.update(PeerState(height: 6, round: 3, step: .commit))
        #expect(ConsensusGossip.relayNeeded(.block(block), proposedBlocks: proposed, known: &behind))
    }

    @Test("a relay falls due the relay delay after it was taken, at the end of its slot, so relays taken close together share a flush")
    func relaySlots() {
        let millis: UInt64 = 1_000_000
        let delay = UInt64(ConsensusGossip.relayDelayMillis) * millis, slot = UInt64(ConsensusGossip.relaySlotMillis) * millis
        for taken in [0, 1, slot - 1, slot, 5 * slot + 3 * millis, 1_000_000 * slot + 1] as [UInt64] {
            let due = ConsensusGossip.relayDue(takenNanos: taken)
            #expect(due % slot == 0, "due at the end of a slot")
            #expect(due >= taken + delay && due < taken + delay + slot, "waits the delay and less than one slot more")
        }
        // Relays whose delay ends within one slot (40 to 41 slots in) fall due together at its end.
        let slotStart = 40 * slot - delay
        #expect(ConsensusGossip.relayDue(takenNanos: slotStart + 1) == 41 * slot)
        #expect(ConsensusGossip.relayDue(takenNanos: slotStart + slot) == 41 * slot, "one slot, one flush")
        #expect(ConsensusGossip.relayDue(takenNanos: slotStart) == 40 * slot, "a delay ending on a slot's end waits no longer")
        #expect(ConsensusGossip.relayDue(takenNanos: slotStart + slot + 1) == 42 * slot, "the next slot")
    }

    @Test("the vote store stays within its vote and set caps, dropping the lowest heights first")
    func voteStore() {
        var store = VoteStore(capacity: 100)
        for height in 0..<200 { _ = store.add(NetSamples.vote(height: Height(height), validator: height % 4)) }
        #expect(store.count <= 64)
        #expect(store.bitmap(VoteKey(height: 199, round: 0, type: .prevote)).contains(199 % 4))
        #expect(store.bitmap(VoteKey(height: 0, round: 0, type: .prevote)).setCount == 0)
        var full = VoteStore(capacity: 3)
        for validator in 0..<4 { _ = full.add(NetSamples.vote(validator: validator)) }
        #expect(full.count == 3)
        full.prune(below: 8)
        #expect(full.count == 0)
    }

    @Test("a repeated warning about one peer is logged once per interval")
    func rateLimitedLog() {
        let logs = LogStore()
        let log = RateLimitedLog(logger: logs.logger(), intervalMillis: 60_000)
        #expect(log.warning("peer-a", "bad frame"))
        #expect(!log.warning("peer-a", "bad frame"))
        #expect(log.warning("peer-b", "bad frame"))
        #expect(logs.all.count == 2)
    }

    @Test("the seen set forgets the oldest digest past its capacity")
    func seenSet() {
        var seen = SeenSet(capacity: 3)
        let digests = (0..<5).map { Hash.sha256([UInt8($0)]) }
        #expect(seen.insert(digests[0]) && !seen.insert(digests[0]))
        for digest in digests.dropFirst() { _ = seen.insert(digest) }
        #expect(seen.count == 3 && !seen.contains(digests[0]) && seen.contains(digests[4]))
    }

    @Test("the token bucket lets a burst through, then makes the taker wait")
    func tokenBucket() {
        var bucket = TokenBucket(ratePerSecond: 10, burst: 10, nowNanos: 0)
        #expect(bucket.take(10, nowNanos: 0) == 0)
        #expect(bucket.take(5, nowNanos: 0) == 500_000_000)
        #expect(bucket.take(0, nowNanos: 500_000_000) == 0)
    }
}
