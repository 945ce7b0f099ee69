import Testing
@testable import RatifyCore

/// The canonical encoding of validators and sets, the header hash, and the quorum thresholds.
@Suite("validator set: encoding, hash and quorums")
struct ValidatorSetCodecTests {
    typealias F = ValidatorSetFixtures

    static func encoded(_ validators: [Validator], proposerIndex: UInt32 = 0) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeList(validators)
        writer.write(proposerIndex)
        return writer.bytes
    }

    static func decodeError(_ bytes: [UInt8]) -> DecodeError? {
        do {
            _ = try ValidatorSet(canonicalBytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("a set round-trips with its priorities and proposer, in 4 + 68 per validator + 4 bytes")
    func roundTrip() throws {
        let set = try F.set([("foo", 1000), ("bar", 300), ("baz", 330)]).copyIncrementingProposerPriority(times: 5)
        let bytes = set.canonicalBytes
        #expect(bytes.count == 4 + 3 * Validator.encodedBytes + 4)
        let decoded = try ValidatorSet(canonicalBytes: bytes)
        #expect(decoded == set)
        #expect(decoded.proposer == set.proposer)
        #expect(decoded.index(of: F.address("baz")) == set.index(of: F.address("baz")))
        #expect(decoded.copyIncrementingProposerPriority(times: 7) == set.copyIncrementingProposerPriority(times: 7))
    }

    @Test("a validator round-trips; its power must lie in 1...totalVotingPowerMax")
    func validatorRoundTrip() throws {
        let validator = F.validator("v1", 42, priority: -17)
        #expect(try Validator(canonicalBytes: validator.canonicalBytes) == validator)
        for power: Int64 in [0, -1, ValidatorSet.totalVotingPowerMax + 1] {
            var bad = validator
            bad.votingPower = power
            let error = #expect(throws: DecodeError.self) { try Validator(canonicalBytes: bad.canonicalBytes) }
            #expect(error?.field == "Validator.votingPower")
            #expect(error?.offset == 52)
        }
    }

    @Test("the decoder refuses what no set can be", arguments: [
        ("no validators", [], UInt32(0), "ValidatorSet.validators"),
        ("power ascending", [F.validator("a", 10), F.validator("b", 20)], 0, "ValidatorSet.validators"),
        ("equal powers, address descending", [F.validator("b", 10), F.validator("a", 10)], 0, "ValidatorSet.validators"),
        ("adjacent duplicate", [F.validator("a", 10), F.validator("a", 10)], 0, "ValidatorSet.validators"),
        ("distant duplicate", [F.validator("a", 30), F.validator("b", 20), F.validator("a", 10)], 0, "ValidatorSet.validators"),
        ("zero power", [F.validator("a", 10), F.validator("b", 0)], 0, "Validator.votingPower"),
        ("total over the cap", [F.validator("a", ValidatorSet.totalVotingPowerMax), F.validator("b", 1)], 0,
         "ValidatorSet.validators"),
        ("proposer index out of range", [F.validator("a", 10), F.validator("b", 5)], 2, "ValidatorSet.proposerIndex"),
    ] as [(String, [Validator], UInt32, String)])
    func decoderRefuses(reason: String, validators: [Validator], proposerIndex: UInt32, field: String) {
        let error = Self.decodeError(Self.encoded(validators, proposerIndex: proposerIndex))
        #expect(error != nil, "\(reason)")
        #expect(error?.field == field, "\(reason)")
    }

    @Test("counts over CodecLimits.validatorsMax, truncation and trailing bytes are refused before allocating")
    func decoderFraming() throws {
        var tooMany = ByteWriter()
        tooMany.write(UInt32(CodecLimits.validatorsMax + 1))
        #expect(Self.decodeError(tooMany.bytes)?.kind
                == .countTooLarge(count: CodecLimits.validatorsMax + 1, max: CodecLimits.validatorsMax))

        var claimsThree = ByteWriter()
        claimsThree.write(UInt32(3))
        F.validator("a", 10).encode(to: &claimsThree)
        #expect(Self.decodeError(claimsThree.bytes)?.kind == .truncated(needed: 2 * Validator.encodedBytes))

        let good = try F.set([("a", 10)]).canonicalBytes
        #expect(Self.decodeError(good + [0])?.kind == .trailingBytes(count: 1))
        #expect(Self.decodeError(Array(good.dropLast()))?.kind == .truncated(needed: 1))
    }

    // MARK: Hash

    @Test("the hash is SHA-256 of the count and each (public key, voting power) in set order")
    func hashLayout() throws {
        let set = try F.set([("a", 5), ("b", 9)])
        var expected: [UInt8] = [0, 0, 0, 2]
        expected += F.key(for: "b").bytes + [0, 0, 0, 0, 0, 0, 0, 9]
        expected += F.key(for: "a").bytes + [0, 0, 0, 0, 0, 0, 0, 5]
        #expect(set.hash == Hash.sha256(expected))
    }

    @Test("priorities do not change the hash; powers and members do")
    func hashCoversPowersNotPriorities() throws {
        let set = try F.set([("a", 5), ("b", 9), ("c", 9)])
        #expect(set.copyIncrementingProposerPriority(times: 3).hash == set.hash)
        #expect(try set.updating(with: [F.update("a", 6)]).hash != set.hash)
        #expect(try set.updating(with: [F.update("d", 1)]).hash != set.hash)
        #expect(try set.updating(with: [F.update("a", 0)]).hash != set.hash)
    }

    // MARK: Quorums

    @Test("two thirds means strictly more than 2/3 of the power, not of the count")
    func twoThirds() throws {
        let three = try F.set([("a", 1), ("b", 1), ("c", 1)])
        #expect(!three.hasTwoThirdsMajority(2))
        #expect(three.hasTwoThirdsMajority(3))
        let hundred = try F.set([("a", 70), ("b", 20), ("c", 10)])
        #expect(!hundred.hasTwoThirdsMajority(66))
        #expect(hundred.hasTwoThirdsMajority(67))
        #expect(hundred.hasTwoThirdsMajority(70), "one validator with 70% is a quorum alone")
        #expect(!hundred.hasTwoThirdsMajority(-5))
    }

    @Test("one third plus means strictly more than 1/3 of the power (f+1)")
    func oneThirdPlus() throws {
        let three = try F.set([("a", 1), ("b", 1), ("c", 1)])
        #expect(!three.hasOneThirdPlus(1))
        #expect(three.hasOneThirdPlus(2))
        let hundred = try F.set([("a", 70), ("b", 20), ("c", 10)])
        #expect(!hundred.hasOneThirdPlus(33))
        #expect(hundred.hasOneThirdPlus(34))
    }

    @Test("quorum checks at the power cap do not overflow")
    func quorumsAtCap() throws {
        let maxVP = ValidatorSet.totalVotingPowerMax
        let set = try F.set([("a", maxVP - 1), ("b", 1)])
        #expect(set.hasTwoThirdsMajority(maxVP))
        #expect(set.hasTwoThirdsMajority(.max))
        #expect(!set.hasTwoThirdsMajority(maxVP / 3 * 2))
        #expect(set.hasOneThirdPlus(maxVP / 3 + 1))
        #expect(!set.hasOneThirdPlus(maxVP / 3))
        #expect(!set.hasOneThirdPlus(.min))
    }
}
