import Testing
@testable import RatifyCore

/// Feeds random and mutated byte strings to every decoder. A decoder may accept or reject an
/// input, but it must never trap, and whatever it accepts must re-encode to the same bytes
/// (one encoding per value). A failing case reports its seed and iteration.
@Suite("decoder fuzzing")
struct FuzzTests {
    static let iterations = 100_000

    static let decoders: [(name: String, seed: [UInt8], decode: @Sendable ([UInt8]) -> [UInt8]?)] = [
        ("Vote", Samples.vote().canonicalBytes, reencode(Vote.self)),
        ("Proposal", Samples.proposal().canonicalBytes, reencode(Proposal.self)),
        ("Commit", Samples.commit().canonicalBytes, reencode(Commit.self)),
        ("DuplicateVoteEvidence", Samples.evidence().canonicalBytes, reencode(DuplicateVoteEvidence.self)),
        ("Transaction", Samples.transactions(count: 2)[1].canonicalBytes, reencode(Transaction.self)),
        ("Header", Samples.block().header.canonicalBytes, reencode(Header.self)),
        ("Block", Samples.block(transactions: 3).canonicalBytes, reencode(Block.self)),
        ("ValidatorSet", validatorSetSeed(), reencode(ValidatorSet.self)),
        ("CheckpointVote", Samples.checkpointVote().canonicalBytes, reencode(CheckpointVote.self)),
        ("FFGSlashingEvidence", Samples.ffgEvidence().canonicalBytes, reencode(FFGSlashingEvidence.self)),
        ("Transaction(ffg-evidence)", Transaction.signed(chainID: Samples.chainID, sender: Samples.keys[1], nonce: 3, fee: 1,
                                                         payload: .ffgEvidence(Samples.ffgEvidence())).canonicalBytes,
         reencode(Transaction.self)),
    ]

    /// Four members after a few rounds, so priorities, powers and the proposer index all vary.
    static func validatorSetSeed() -> [UInt8] {
        let validators = Samples.keys.enumerated().map { index, key in
            Validator(publicKey: key.publicKey, votingPower: Int64(10 * (index + 1)))
        }
        return ((try? ValidatorSet(validators: validators))?.copyIncrementingProposerPriority(times: 3))?.canonicalBytes ?? []
    }

    static func reencode<T: CanonicalCodable & Sendable>(_: T.Type) -> @Sendable ([UInt8]) -> [UInt8]? {
        { bytes in (try? T(canonicalBytes: bytes))?.canonicalBytes }
    }

    @Test("random and mutated inputs never trap and accepted inputs re-encode identically",
          arguments: 0..<decoders.count)
    func fuzz(decoderIndex: Int) {
        let (name, seed, decode) = Self.decoders[decoderIndex]
        let rngSeed = UInt64(0x5EED_0000) + UInt64(decoderIndex)
        var random = SplitMix64(seed: rngSeed)
        var accepted = 0
        for iteration in 0..<Self.iterations {
            let input = iteration % 4 == 0 ? Self.randomBytes(&random) : Self.mutate(seed, &random)
            if let reencoded = decode(input) {
                accepted += 1
                if reencoded != input {
                    Issue.record("\(name): accepted input re-encodes differently (seed \(rngSeed), iteration \(iteration))")
                    return
                }
            }
        }
        // The unmutated seed decodes, and most mutations are caught.
        #expect(decode(seed) == seed)
        #expect(accepted < Self.iterations / 2, "\(name) accepted \(accepted) of \(Self.iterations) fuzzed inputs")
    }

    static func randomBytes(_ random: inout SplitMix64) -> [UInt8] {
        let count = Int.random(in: 0...300, using: &random)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    static func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        let mutations = Int.random(in: 1...4, using: &random)
        for _ in 0..<mutations {
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty: // flip a bit
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 1 where !bytes.isEmpty: // truncate
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 2: // insert bytes
                let index = Int.random(in: 0...bytes.count, using: &random)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: index)
            case 3 where bytes.count >= 4: // overwrite a would-be length or count with a large value
                let index = Int.random(in: 0...(bytes.count - 4), using: &random)
                let candidates: [UInt32] = [UInt32.max, 0x8000_0000, 0x0001_0000, UInt32(CodecLimits.validatorsMax + 1)]
                let value = candidates.randomElement(using: &random) ?? 0
                withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(index..<(index + 4), with: $0) }
            case 4 where !bytes.isEmpty: // set a byte to a boundary value
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = [0, 1, 2, 0x7f, 0x80, 0xff].randomElement(using: &random) ?? 0
            default: // append a byte
                bytes.append(UInt8.random(in: 0...255, using: &random))
            }
        }
        return bytes
    }
}
