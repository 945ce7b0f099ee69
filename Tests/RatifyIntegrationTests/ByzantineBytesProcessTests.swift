import Foundation
import RatifyCore
import RatifyNet
import RatifyNode
import Testing

/// Issue 20, "Byzantine bytes": an adversarial peer (`AdversaryPeer`: the real handshake with a
/// throwaway node key, then crafted messages) against one shared 4-validator network of real
/// processes. Every scenario ends with the same verdict (`AdversaryLocalnet.expectHealthy`): no
/// node process exits, the network keeps finalizing, honest nodes keep their sessions with each
/// other, and the victim's memory stays bounded. The fuzzer is in `ByzantineFuzzProcessTests.swift`.
@Suite("byzantine bytes: an adversarial peer against a running network", .serialized, .adversaryLocalnet)
struct ByzantineBytesProcessTests {
    static func localnet() throws -> AdversaryLocalnet {
        try #require(AdversaryLocalnet.current, "the suite's .adversaryLocalnet trait starts the network")
    }

    @Test("control: a peer that completes the handshake, announces an honest state and listens passes the verdict")
    func control() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        let state = try #require(adversary.waitForVictimState(), "the victim announces its state")
        #expect(adversary.send(.peerState(PeerState(height: state.height, round: 0, step: .propose))))
        localnet.expectHealthy(since: baseline, "control")
        #expect(!adversary.isClosed, "the victim keeps an honest peer's session")
        #expect((adversary.snapshot.samples[.vote]?.count ?? 0) > 0, "the victim gossips its votes to a peer at its height")
    }

    enum Extreme: String, CaseIterable, Sendable {
        case voteHeight = "a vote at height 2^64-1, round 2^32-1"
        case peerStateHeight = "a peer_state at 2^64-1, then other heights"
        case evidenceHeight = "evidence at height 2^64-1"
        case blockRequestHeight = "block_requests for 2^64-1 and far ahead"
    }

    @Test("extreme heights and rounds do not trap a node", arguments: Extreme.allCases)
    func extremeIntegers(_ extreme: Extreme) async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        let height = try #require(adversary.waitForVictimState(), "the victim announces its state").height
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xE8)
        let (address, index, _) = localnet.validator(1)
        var full = VoteBitmap(count: 0)
        for validator in 0..<NetLimits.voteBitmapBitsMax { full.insert(validator) }
        let messages: [NetMessage]
        switch extreme {
        case .voteHeight:
            messages = [.vote(forge.vote(.prevote, height: .max, round: .max, address: address, index: index)),
                        .vote(forge.vote(.precommit, height: .max, round: 0, address: address, index: .max)),
                        .vote(forge.vote(.prevote, height: height, round: .max, address: address, index: index))]
        case .peerStateHeight:
            messages = [.peerState(PeerState(height: .max, round: .max, step: .commit, prevotes: full, precommits: full)),
                        .peerState(PeerState(height: height, round: 0, step: .propose)),
                        .peerState(PeerState(height: .max - 1, round: .max, step: .precommit)),
                        .peerState(PeerState(height: 0, round: 0, step: .newHeight))]
        case .evidenceHeight:
            // A stream of distinct items for 3 s: the node that traps is one whose pool holds an
            // item the block it decides does not (it arrived after the proposal was made).
            messages = (0..<60).compactMap { round in
                forge.evidence(height: .max, round: round % 2 == 0 ? .max : Round(round), address: address, index: index).map(NetMessage.evidence)
            }
        case .blockRequestHeight:
            messages = [.blockRequest(height: .max), .blockRequest(height: .max - 1), .blockRequest(height: 0),
                        .blockRequest(height: height &+ 1_000_000)]
        }
        #expect(!messages.isEmpty)
        let spacingMicros: UInt32 = extreme == .evidenceHeight ? 50_000 : 0
        for message in messages where adversary.send(message) { usleep(spacingMicros) }
        // Evidence traps, if at all, at the victim's next decision; peer state at its next gossip
        // tick: the verdict waits through several of both.
        localnet.expectHealthy(since: baseline, extreme.rawValue)
    }

    @Test("forged votes (valid encoding, random signatures) for every validator: relayed by nobody, no honest peer banned")
    func forgedVotes() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xF0)
        let sent = Self.forgeVotes(for: 0..<4, from: adversary, localnet: localnet, seconds: 6, &forge)
        #expect(sent > 0, "the adversary sent forged votes")
        localnet.expectHealthy(since: baseline, "forged votes")
    }

    @Test("forged votes in the slot of a validator the quorum needs: the real vote still gets through, with one validator down")
    func forgedVotesAtMinimumQuorum() async throws {
        let localnet = try Self.localnet()
        _ = try await localnet.prepare()
        // Three of four equal validators are exactly a quorum: each one's votes are needed.
        let down = localnet.node(ofValidator: 3)
        let victim = down == 0 ? 1 : 0
        let needed = (0..<3).first { ![down, victim].contains(localnet.node(ofValidator: $0)) } ?? 0
        defer { try? localnet.nodes[down].start() }
        localnet.nodes[down].kill(SIGKILL)
        let heightAtKill = localnet.nodes.map(\.height).max() ?? 0
        try #require(eventually(seconds: 45) { localnet.nodes.indices.filter { $0 != down }.allSatisfy { localnet.nodes[$0].height >= heightAtKill + 2 } },
                     "precondition: three validators finalize on their own: \(localnet.nodes.map(\.height))")
        let baseline = localnet.baseline(victim: victim)
        let adversary = try localnet.adversary(to: victim)
        defer { adversary.close() }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xF1)
        let sent = Self.forgeVotes(for: needed..<(needed + 1), from: adversary, localnet: localnet, seconds: 8, &forge)
        #expect(sent > 0, "the adversary sent forged votes")
        localnet.expectHealthy(since: baseline, "forged votes for needed validator \(needed) (node\(localnet.node(ofValidator: needed))) sent to node\(victim), node\(down) down",
                               stopped: [down])
    }

    /// Sends forged prevotes and precommits claiming `validators` for the victim's height and the
    /// next, rounds 0-2, every 50 ms for `seconds`; returns how many it sent.
    static func forgeVotes(for validators: Range<Int>, from adversary: AdversaryPeer, localnet: AdversaryLocalnet,
                           seconds: Double, _ forge: inout ForgedMessages) -> Int {
        var sent = 0
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !adversary.isClosed {
            guard let height = adversary.victimHeight else { usleep(50_000); continue }
            var votes: [NetMessage] = []
            for validator in validators {
                let (address, index, _) = localnet.validator(validator)
                for target in [height, height + 1] {
                    for round in Round(0)...2 {
                        for type in VoteType.allCases {
                            votes.append(.vote(forge.vote(type, height: target, round: round, address: address, index: index)))
                        }
                    }
                }
            }
            guard adversary.send(votes) else { break }
            sent += votes.count
            usleep(50_000)
        }
        return sent
    }

    @Test("evidence made of forged votes is neither relayed nor put in a block")
    func forgedEvidence() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xE7)
        _ = try #require(adversary.waitForVictimState(), "the victim announces its state")
        let deadline = Date().addingTimeInterval(5)
        var sent = 0
        while Date() < deadline, !adversary.isClosed, let height = adversary.victimHeight {
            let evidence = (0..<4).flatMap { validator -> [NetMessage] in
                let (address, index, _) = localnet.validator(validator)
                return [height > 1 ? height - 1 : 1, height, height + 1].compactMap {
                    forge.evidence(height: $0, address: address, index: index).map(NetMessage.evidence)
                }
            }
            guard adversary.send(evidence) else { break }
            sent += evidence.count
            usleep(200_000)
        }
        #expect(sent > 0, "the adversary sent forged evidence")
        localnet.expectHealthy(since: baseline, "forged evidence")
        var withEvidence: [UInt64: Int] = [:]
        for height in (baseline.heightMax + 1)...max(baseline.heightMax + 1, localnet.nodes[0].height) {
            let count = try await Self.evidenceCount(localnet, height: height)
            if count != 0 { withEvidence[height] = count }
        }
        #expect(withEvidence.isEmpty, "blocks carry forged evidence (height: items): \(withEvidence.sorted { $0.key < $1.key })")
    }

    static func evidenceCount(_ localnet: AdversaryLocalnet, height: UInt64) async throws -> Int {
        let (status, body) = try await HTTP.request("\(localnet.rpcURL(0))/block?height=\(height)")
        guard status == 200, let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let block = json["block"] as? [String: Any], let evidence = block["evidence"] as? [String: Any],
              let count = evidence["count"] as? Int else { throw TestFailure("GET /block?height=\(height): \(status) \(body.prefix(300))") }
        return count
    }

    @Test("junk blocks for the next heights and for heights 100+ ahead, sent to every node, do not halt the chain")
    func junkFutureBlocks() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        // One adversary per node: a real attacker reaches them all, and a node that is not sent
        // junk would carry the chain on its own.
        let adversaries = try localnet.nodes.indices.map { try localnet.adversary(to: $0) }
        defer { adversaries.forEach { $0.close() } }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xB1)
        let proposer = localnet.validator(0).address
        var sent = 0
        let deadline = Date().addingTimeInterval(3)
        // Every 500 ms, fresh junk: 120 blocks for the 32 heights after the node's (the window it
        // keeps blocks in for catch-up, refilled as heights pass) and 200 from 100 heights ahead.
        for _ in 0..<6 where Date() < deadline {
            for adversary in adversaries {
                guard let height = adversary.victimHeight ?? adversary.waitForVictimState()?.height else { continue }
                let near = (0..<120).map { NetMessage.block(forge.junkBlock(height: height + 1 + Height($0 % 32), proposer: proposer)) }
                let far = (0..<200).map { NetMessage.block(forge.junkBlock(height: height + 100 + Height($0), proposer: proposer)) }
                if adversary.send(near + far) { sent += near.count + far.count }
            }
            usleep(500_000)
        }
        #expect(sent > 0, "the nodes took junk blocks")
        localnet.expectHealthy(since: baseline, "\(sent) junk future blocks")
    }

    enum ProposalSigner: String, CaseIterable, Sendable {
        case forged = "random signatures (an outsider)"
        case byzantineValidator = "one validator's own key (a byzantine proposer equivocating)"

        /// Which validators' proposals are sent: any, when the signatures are forged; one, when
        /// they are real, since a network is only asked to survive one byzantine validator in four.
        var proposers: Range<Int> { self == .forged ? 0..<4 : 0..<1 }
    }

    @Test("conflicting proposals for the current height with junk blocks do not split or stall the network", arguments: ProposalSigner.allCases)
    func conflictingProposals(_ signer: ProposalSigner) async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        var adversary = try localnet.adversary()
        defer { adversary.close() }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0xC0)
        _ = try #require(adversary.waitForVictimState(), "the victim announces its state")
        let deadline = Date().addingTimeInterval(5)
        var sent = 0, sessions = 1
        while Date() < deadline {
            // Dropped for a forged signature, the attacker comes back with a new key and address.
            if adversary.isClosed {
                adversary.close()
                guard let fresh = try? localnet.adversary() else { break }
                adversary = fresh
                sessions += 1
            }
            guard let height = adversary.victimHeight ?? adversary.waitForVictimState(seconds: 2)?.height else { continue }
            var messages: [NetMessage] = []
            for validator in signer.proposers {
                let (proposer, _, key) = localnet.validator(validator)
                for round in Round(0)...3 {
                    for _ in 0..<2 {   // two different blocks per (proposer, round): conflicting
                        let block = forge.junkBlock(height: height, proposer: proposer)
                        var proposal = forge.proposal(for: block, round: round, proposer: proposer)
                        if signer == .byzantineValidator, let key { proposal.signature = key.sign(proposal.signBytes(chainID: localnet.chainID)) }
                        messages += [.proposal(proposal), .block(block)]
                    }
                }
            }
            if adversary.send(messages) { sent += messages.count }
            usleep(250_000)
        }
        #expect(sent > 0, "the adversary sent conflicting proposals")
        print("conflicting proposals, \(signer.rawValue): \(sent) messages over \(sessions) sessions")
        localnet.expectHealthy(since: baseline, "conflicting proposals, \(signer.rawValue), \(sent) messages over \(sessions) sessions")
    }

    @Test("a flood of duplicate peer_states and replayed old votes leaves the network finalizing and the victim's memory bounded")
    func uselessFlood() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        // Real votes, as the victim gossips them; two heights later they are old.
        let oldVotes = { () -> [NetMessage] in
            let height = adversary.victimHeight ?? 0
            return (adversary.snapshot.samples[.vote] ?? []).filter {
                if case .vote(let vote) = $0 { vote.height + 2 <= height } else { false }
            }
        }
        _ = eventually(seconds: 20) { !oldVotes().isEmpty }
        let replayed = oldVotes()
        try #require(!replayed.isEmpty, "the victim gossiped votes to the adversary: \(adversary.snapshot.samples.mapValues(\.count))")
        let height = adversary.victimHeight ?? 0
        let announcement = NetMessage.peerState(PeerState(height: height, round: 0, step: .propose))
        var sent = 0
        let deadline = Date().addingTimeInterval(8)
        for batch in 0..<200 where Date() < deadline {
            let messages = (0..<200).map { $0 % 2 == 0 ? announcement : replayed[(batch * 100 + $0 / 2) % replayed.count] }
            guard adversary.send(messages) else { break }
            sent += messages.count
        }
        #expect(sent >= 10_000, "the flood reached the victim: \(sent) messages")
        localnet.expectHealthy(since: baseline, "a flood of \(sent) useless messages")
    }

    @Test("zero-fee transactions from empty accounts, over p2p and POST /tx, are never included in a block")
    func zeroFeeTransactions() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let adversary = try localnet.adversary()
        defer { adversary.close() }
        var forge = ForgedMessages(chainID: localnet.chainID, seed: 0x0FEE)
        let overP2P = (0..<20).map { forge.zeroFeeTransaction($0) }
        let overRPC = (0..<20).map { forge.zeroFeeTransaction($0) }
        #expect(adversary.send(overP2P.map { .transaction(TransactionGossip($0)) }))
        var acceptedByRPC = 0
        for transaction in overRPC {
            let (status, _) = try await HTTP.request("\(localnet.rpcURL(1))/tx", method: "POST", body: Hex.encode(transaction.canonicalBytes))
            if status == 200 { acceptedByRPC += 1 }
        }
        localnet.expectHealthy(since: baseline, "zero-fee transactions")
        var included: [String] = []
        for transaction in overP2P + overRPC {
            let (status, _) = try await HTTP.request("\(localnet.rpcURL(2))/tx/\(transaction.hash.hex)")
            if status != 404 { included.append(transaction.hash.hex) }
        }
        #expect(included.isEmpty, "\(included.count) of \(overP2P.count + overRPC.count) zero-fee transactions were included (RPC accepted \(acceptedByRPC) of \(overRPC.count)); first: \(included.first ?? "")")
    }

    @Test("a peer that asks for many large blocks and never reads cannot grow the victim's memory")
    func readerThatNeverReads() async throws {
        let localnet = try Self.localnet()
        _ = try await localnet.prepare()
        // Make some large blocks: each validator's account pays for 100 transfers.
        let feeder = try localnet.adversary()
        defer { feeder.close() }
        let startHeight = localnet.nodes[0].height
        var random = SplitMix64(seed: 0x8EAD)
        var transfers: [NetMessage] = []
        for validator in 0..<4 {
            guard let key = localnet.validator(validator).key else { continue }
            for nonce in UInt64(0)..<100 {
                let to = Address((0..<20).map { _ in UInt8.random(in: 0...255, using: &random) }) ?? .zero
                transfers.append(.transaction(TransactionGossip(Transaction.signed(chainID: localnet.chainID, sender: key, nonce: nonce,
                                                                                   fee: 1_000_000, payload: .transfer(to: to, amount: 1)))))
            }
        }
        #expect(feeder.send(transfers))
        let filled = eventually(seconds: 30) {
            localnet.nodes[0].finalized.filter { $0.key > startHeight }.values.map(\.transactions).reduce(0, +) >= 300
        }
        let heavy = localnet.nodes[0].finalized.filter { $0.key > startHeight && $0.value.transactions > 0 }
            .sorted { $0.value.transactions > $1.value.transactions }.map(\.key)
        try #require(filled && !heavy.isEmpty, "precondition: blocks with transactions were made: \(heavy)")
        feeder.close()

        let baseline = localnet.baseline(victim: 0)
        let reader = try localnet.adversary(to: 0, reading: false, receiveBufferBytes: 4_096)
        defer { reader.close() }
        var peakKiB = baseline.victimMemoryKiB
        var requested = 0
        let deadline = Date().addingTimeInterval(10)
        for batch in 0..<400 where Date() < deadline {
            let requests = (0..<256).map { NetMessage.blockRequest(height: heavy[(batch * 256 + $0) % heavy.count]) }
            let taken = reader.send(requests)
            peakKiB = max(peakKiB, localnet.residentKiB(0) ?? 0)
            guard taken else { break }
            requested += requests.count
            usleep(20_000)
        }
        peakKiB = max(peakKiB, localnet.residentKiB(0) ?? 0)
        #expect(requested > 0, "the reader sent block requests")
        #expect(peakKiB < baseline.victimMemoryKiB + 64 * 1024,
                "the victim's memory peaked at \(peakKiB) KiB from \(baseline.victimMemoryKiB) KiB while \(requested) block requests (blocks of up to \(localnet.nodes[0].finalized[heavy[0]]?.transactions ?? 0) transactions) went unread")
        reader.close()
        localnet.expectHealthy(since: baseline, "a reader that never reads")
    }
}
