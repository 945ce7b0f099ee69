import Testing
@testable import RatifyCore

@Suite("checkpoint votes and FFG evidence")
struct CheckpointVoteTests {
    static let testKey = KeyPair(seed: [UInt8](repeating: 1, count: 32))

    static func filled(_ byte: UInt8) -> Hash { Hash([UInt8](repeating: byte, count: 32)) ?? .zero }

    static func vote(_ source: UInt64, _ target: UInt64, targetByte: UInt8 = 0x22, key: Int = 0) -> CheckpointVote {
        CheckpointVote.signed(chainID: Samples.chainID, key: Samples.keys[key],
                              source: Checkpoint(epoch: source, blockHash: filled(0x11)),
                              target: Checkpoint(epoch: target, blockHash: filled(targetByte)))
    }

    @Test("sign bytes are the domain tag, chain id, source and target, byte for byte (docs/CODEC.md and docs/POW.md)")
    func goldenSignBytes() throws {
        let key = try #require(Self.testKey)
        let vote = CheckpointVote.signed(chainID: "ratify-hybrid", key: key,
                                         source: Checkpoint(epoch: 0, blockHash: Self.filled(0x11)),
                                         target: Checkpoint(epoch: 1, blockHash: Self.filled(0x22)))
        let expected = "000000127261746966792f6666672d766f74652f76310000000d7261746966792d687962726964"
            + "0000000000000000" + String(repeating: "11", count: 32) + "0000000000000001" + String(repeating: "22", count: 32)
        #expect(Hex.encode(vote.signBytes(chainID: "ratify-hybrid")) == expected)
        #expect(Hex.encode(vote.signature.raw.bytes) == "388d7e728ab29f293e11dd7d1660dd080a507b8bbce0b7a9a6a31d5bd53d3ab9"
            + "30450cf43ea25b483b12dec6830c228d4e435a5a1c3af57e57db98631567170f")
        #expect(vote.canonicalBytes.count == CheckpointVote.encodedBytes)
        // The encoding: validator address (SHA-256 of the key, first 20 bytes), source, target, signature.
        #expect(Hex.encode(vote.canonicalBytes) == "34750f98bd59fcfc946da45aaabe933be154a4b5" + expected.dropFirst(2 * (4 + 18 + 4 + 13))
            + Hex.encode(vote.signature.raw.bytes))
        #expect(vote.verifySignature(chainID: "ratify-hybrid", key: key.publicKey))
        #expect(!vote.verifySignature(chainID: "ratify-other", key: key.publicKey))
        #expect(!vote.verifySignature(chainID: "ratify-hybrid", key: Samples.keys[1].publicKey))
    }

    @Test("a vote and evidence round-trip through the codec")
    func roundTrip() throws {
        let vote = Samples.checkpointVote()
        #expect(try CheckpointVote(canonicalBytes: vote.canonicalBytes) == vote)
        let evidence = Samples.ffgEvidence()
        #expect(try FFGSlashingEvidence(canonicalBytes: evidence.canonicalBytes) == evidence)
        let transaction = Transaction.signed(chainID: Samples.chainID, sender: Samples.keys[1], nonce: 0, fee: 1,
                                             payload: .ffgEvidence(evidence))
        #expect(try Transaction(canonicalBytes: transaction.canonicalBytes) == transaction)
        #expect(transaction.payload.kindName == "ffg-evidence")
    }

    @Test("the decoder refuses a vote whose source is not before its target, and short input, naming the field")
    func decoderErrors() {
        var backwards = Self.vote(3, 5)
        backwards.source.epoch = 5
        #expect(throws: DecodeError.self) { try CheckpointVote(canonicalBytes: backwards.canonicalBytes) }
        let bytes = Self.vote(0, 1).canonicalBytes
        do {
            _ = try CheckpointVote(canonicalBytes: Array(bytes.dropLast(3)))
            Issue.record("a truncated vote decoded")
        } catch {
            #expect("\(error)".contains("ffg_vote.signature"))
        }
    }

    @Test("double votes and surround votes are evidence in either order; other pairs are not")
    func conditions() throws {
        let first = Self.vote(1, 2), other = Self.vote(1, 2, targetByte: 0x33)
        let double = try FFGSlashingEvidence(first, other)
        #expect(double.kind == .doubleVote)
        #expect(try FFGSlashingEvidence(other, first) == double)

        let outer = Self.vote(1, 5), inner = Self.vote(2, 4)
        let surround = try FFGSlashingEvidence(outer, inner)
        #expect(surround.kind == .surroundVote)
        #expect(try FFGSlashingEvidence(inner, outer) == surround)
        #expect(surround.targetEpochMax == 5)

        // A double vote with different sources only is still a double vote.
        #expect(try FFGSlashingEvidence(Self.vote(1, 4), Self.vote(2, 4)).kind == .doubleVote)
        // Chained, disjoint, sharing a source, overlapping, or nested with a shared end: allowed.
        let allowed: [((UInt64, UInt64), (UInt64, UInt64))] = [((1, 2), (2, 3)), ((1, 2), (3, 4)), ((1, 3), (1, 4)),
                                                                ((1, 4), (2, 5)), ((1, 4), (1, 3))]
        for (a, b) in allowed {
            #expect(throws: FFGSlashingEvidence.Invalid.notConflicting) {
                try FFGSlashingEvidence(Self.vote(a.0, a.1), Self.vote(b.0, b.1))
            }
        }
        #expect(throws: FFGSlashingEvidence.Invalid.sameVote) { try FFGSlashingEvidence(first, first) }
        #expect(throws: FFGSlashingEvidence.Invalid.differentValidators) { try FFGSlashingEvidence(first, Self.vote(1, 2, targetByte: 0x33, key: 1)) }
        var malformed = Self.vote(1, 2)
        malformed.source.epoch = 2
        #expect(throws: FFGSlashingEvidence.Invalid.malformedVote) { try FFGSlashingEvidence(malformed, other) }
    }

    @Test("evidence in the wrong order or of non-conflicting votes does not decode")
    func evidenceDecoding() throws {
        let evidence = Samples.ffgEvidence()
        var swapped = ByteWriter()
        swapped.write(evidence.voteB)
        swapped.write(evidence.voteA)
        #expect(throws: DecodeError.self) { try FFGSlashingEvidence(canonicalBytes: swapped.bytes) }
        var harmless = ByteWriter()
        harmless.write(Self.vote(1, 2))
        harmless.write(Self.vote(2, 3))
        #expect(throws: DecodeError.self) { try FFGSlashingEvidence(canonicalBytes: harmless.bytes) }
    }
}
