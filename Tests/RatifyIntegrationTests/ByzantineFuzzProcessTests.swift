import Foundation
import RatifyCore
import RatifyNet
import Testing

extension ByzantineBytesProcessTests {
    /// How long the fuzzer runs: a few seconds in CI, longer on demand with
    /// `RATIFY_FUZZ_SECONDS=600`. `RATIFY_FUZZ_SEED` replays a run.
    static var fuzzSeconds: Double {
        ProcessInfo.processInfo.environment["RATIFY_FUZZ_SECONDS"].flatMap(Double.init) ?? 6
    }

    @Test("fuzz: mutated real messages through authenticated sessions; the network keeps finalizing")
    func fuzz() async throws {
        let localnet = try Self.localnet()
        let baseline = try await localnet.prepare()
        let seed = ProcessInfo.processInfo.environment["RATIFY_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000))
        print("byzantine fuzz: seed \(seed) (RATIFY_FUZZ_SEED=\(seed) replays the mutants), \(Self.fuzzSeconds) s")
        var mutator = MessageMutator(chainID: localnet.chainID, seed: seed)
        var adversary = try localnet.adversary()
        defer { adversary.close() }
        // Seeds: what the victim really sends (votes, proposals, blocks, peer states; a commit and
        // a decided block for the block request), plus each kind it would not send us.
        let height = try #require(adversary.waitForVictimState(), "the victim announces its state").height
        adversary.send(.blockRequest(height: height > 1 ? height - 1 : 1))
        _ = eventually(seconds: 3) { adversary.snapshot.samples[.vote] != nil && adversary.snapshot.samples[.commit] != nil }
        var seeds = adversary.snapshot.samples.values.flatMap { $0 }
        seeds += mutator.craftedSeeds(height: height, localnet: localnet)

        var sent = 0, sessions = 1, refused = 0
        let deadline = Date().addingTimeInterval(Self.fuzzSeconds)
        while Date() < deadline {
            if adversary.isClosed {
                adversary.close()
                // A new node key from a new loopback address: penalties by key or by address
                // would otherwise end the run at the first malformed mutant.
                guard let fresh = try? localnet.adversary() else {
                    refused += 1
                    usleep(100_000)
                    continue
                }
                adversary = fresh
                sessions += 1
            }
            var mutants: [[UInt8]] = []
            for _ in 0..<32 {
                let pick = Int.random(in: 0..<seeds.count, using: &mutator.random)
                mutants.append(mutator.mutant(of: seeds[pick], height: height))
            }
            if adversary.sendPlaintexts(mutants) { sent += mutants.count }
            usleep(5_000)
        }
        print("byzantine fuzz: \(sent) mutants over \(sessions) sessions (\(refused) connections refused), seed \(seed)")
        #expect(sent >= 1_000, "the fuzzer reached the victim: \(sent) mutants, seed \(seed)")
        localnet.expectHealthy(since: baseline, "fuzz (seed \(seed))")
    }
}

/// Mutates real encoded messages: half the time the bytes (bit flips, extreme integers written
/// over 8 bytes, insertions, deletions, truncation, duplicated slices), half the time the fields
/// of the decoded message (heights, rounds and indices at their extremes), re-encoded so that
/// the lie gets past the decoder into the node's logic.
struct MessageMutator {
    var random: SplitMix64
    var forge: ForgedMessages

    init(chainID: String, seed: UInt64) {
        self.random = SplitMix64(seed: seed)
        self.forge = ForgedMessages(chainID: chainID, seed: seed ^ 0x5EED)
    }

    static let extremeWords: [UInt64] = [0, 1, .max, .max - 1, 1 << 63, UInt64(UInt32.max), UInt64(UInt32.max) + 1]

    mutating func extremeHeight(near height: Height) -> Height {
        let choices = Self.extremeWords + [height, height &+ 1, height &- 1, height &+ 100, height &+ 1_000_000]
        return choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    mutating func extremeRound() -> Round {
        let rounds: [Round] = [0, 1, 2, .max, .max - 1, 1 << 31]
        return rounds[Int.random(in: 0..<rounds.count, using: &random)]
    }

    /// One message of each kind the victim would not send us, well-formed and forged.
    mutating func craftedSeeds(height: Height, localnet: AdversaryLocalnet) -> [NetMessage] {
        let (address, index, _) = localnet.validator(1)
        let block = forge.junkBlock(height: height, proposer: address)
        var seeds: [NetMessage] = [
            .vote(forge.vote(.prevote, height: height, round: 0, address: address, index: index)),
            .proposal(forge.proposal(for: block, round: 0, proposer: address)),
            .block(block),
            .transaction(TransactionGossip(forge.zeroFeeTransaction(0))),
            .transactions(TransactionBatch([forge.zeroFeeTransaction(0), forge.zeroFeeTransaction(1)])),
            .blockRequest(height: height),
            .peerState(PeerState(height: height, round: 0, step: .prevote)),
        ]
        seeds += BlockPart.split(block).map(NetMessage.blockPart)
        if let evidence = forge.evidence(height: height, address: address, index: index) { seeds.append(.evidence(evidence)) }
        return seeds
    }

    mutating func mutant(of message: NetMessage, height: Height) -> [UInt8] {
        if Bool.random(using: &random) { return mutateBytes(message.encoded) }
        let mutated = mutateFields(message, height: height).encoded
        return Int.random(in: 0..<4, using: &random) == 0 ? mutateBytes(mutated) : mutated
    }

    mutating func mutateBytes(_ original: [UInt8]) -> [UInt8] {
        var bytes = original
        guard !bytes.isEmpty else { return forge.bytes(8) }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            }
        case 1:
            let word = Self.extremeWords[Int.random(in: 0..<Self.extremeWords.count, using: &random)]
            let wordBytes = withUnsafeBytes(of: word.bigEndian) { Array($0) }
            for offset in 0..<8 where at + offset < bytes.count { bytes[at + offset] = wordBytes[offset] }
        case 2:
            bytes.insert(contentsOf: forge.bytes(Int.random(in: 1...16, using: &random)), at: at)
        case 3:
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &random)))
        case 4:
            bytes.removeSubrange(at...)
        default:
            let end = min(bytes.count, at + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[at..<end], at: end)
        }
        return bytes
    }

    mutating func mutateFields(_ message: NetMessage, height: Height) -> NetMessage {
        switch message {
        case .vote(var vote):
            vote.height = extremeHeight(near: height)
            vote.round = extremeRound()
            let indices: [UInt32] = [0, 3, 4, .max]
            if Bool.random(using: &random) { vote.validatorIndex = indices[Int.random(in: 0..<indices.count, using: &random)] }
            return .vote(vote)
        case .proposal(var proposal):
            proposal.height = extremeHeight(near: height)
            proposal.round = extremeRound()
            proposal.polRound = Bool.random(using: &random) ? extremeRound() : nil
            return .proposal(proposal)
        case .peerState(var state):
            state.height = extremeHeight(near: height)
            state.round = extremeRound()
            return .peerState(state)
        case .blockRequest:
            return .blockRequest(height: extremeHeight(near: height))
        case .block(var block):
            block.header.height = extremeHeight(near: height)
            return .block(block)
        case .blockPart(var part):
            part.height = extremeHeight(near: height)
            return .blockPart(part)
        case .commit(var commit):
            commit.height = extremeHeight(near: height)
            commit.round = extremeRound()
            return .commit(commit)
        case .evidence(let evidence):
            var first = evidence.voteA, second = evidence.voteB
            first.height = extremeHeight(near: height)
            second.height = first.height
            first.round = extremeRound()
            second.round = first.round
            return (try? DuplicateVoteEvidence(first, second)).map(NetMessage.evidence) ?? message
        case .transaction(var gossip):
            gossip.transaction.nonce = Self.extremeWords[Int.random(in: 0..<Self.extremeWords.count, using: &random)]
            gossip.transaction.fee = Self.extremeWords[Int.random(in: 0..<Self.extremeWords.count, using: &random)]
            return .transaction(gossip)
        case .transactions(var batch):
            let index = Int.random(in: 0..<batch.transactions.count, using: &random)
            batch.transactions[index].nonce = Self.extremeWords[Int.random(in: 0..<Self.extremeWords.count, using: &random)]
            if Bool.random(using: &random) { batch.transactions.append(batch.transactions[0]) }
            return .transactions(batch)
        default:
            return message
        }
    }
}
