import Testing
@testable import RatifyCore

@Suite("canonical codec")
struct CodecTests {
    func roundTrip<T: CanonicalCodable & Equatable>(_ value: T) throws {
        let bytes = value.canonicalBytes
        let decoded = try T(canonicalBytes: bytes)
        #expect(decoded == value)
        #expect(decoded.canonicalBytes == bytes)
    }

    @Test("every consensus type round-trips through its canonical encoding")
    func roundTrips() throws {
        try roundTrip(Samples.vote())
        try roundTrip(Samples.vote(.precommit, blockID: nil))
        try roundTrip(Samples.proposal())
        try roundTrip(Samples.proposal(polRound: nil))
        try roundTrip(Samples.commit())
        try roundTrip(Samples.evidence())
        for transaction in Samples.transactions(count: 5) { try roundTrip(transaction) }
        try roundTrip(Samples.block())
        try roundTrip(Samples.block(transactions: 0, height: 1))
        try roundTrip(Samples.block().header)
        try roundTrip(BlockID(hash: Hash.sha256([5])))
    }

    @Test("integers are big-endian and fixed width, so byte order equals numeric order")
    func integerLayout() {
        var writer = ByteWriter()
        writer.write(UInt64(0x0102_0304_0506_0708))
        writer.write(UInt32(0x0a0b_0c0d))
        writer.write(Int64(-1))
        #expect(writer.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13] + [UInt8](repeating: 0xff, count: 8))
    }

    @Test("trailing bytes are rejected")
    func trailingBytes() {
        let bytes = Samples.vote().canonicalBytes + [0]
        #expect(throws: DecodeError(.trailingBytes(count: 1), field: "Vote", offset: bytes.count - 1)) {
            try Vote(canonicalBytes: bytes)
        }
    }

    @Test("a truncated value names the field it stopped in")
    func truncated() {
        let bytes = Array(Samples.vote().canonicalBytes.dropLast(3))
        #expect(throws: DecodeError(.truncated(needed: 3), field: "vote.signature", offset: bytes.count - 61)) {
            try Vote(canonicalBytes: bytes)
        }
    }

    @Test("an unknown tag is a typed error")
    func unknownTag() {
        var bytes = Samples.vote().canonicalBytes
        bytes[0] = 9
        #expect(throws: DecodeError(.unknownTag(9), field: "vote.type", offset: 0)) {
            try Vote(canonicalBytes: bytes)
        }
        var transaction = Samples.transactions(count: 1)[0].canonicalBytes
        let payloadOffset = 4 + Samples.chainID.utf8.count + 32 + 8 + 8
        transaction[payloadOffset] = 42
        #expect(throws: DecodeError(.unknownTag(42), field: "payload.kind", offset: payloadOffset)) {
            try Transaction(canonicalBytes: transaction)
        }
    }

    @Test("an over-long length or count is rejected before anything is allocated")
    func overLong() {
        // A transaction whose chain id claims 4 GiB.
        let transaction: [UInt8] = [0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0, count: 16)
        #expect(throws: DecodeError(.lengthTooLarge(length: 0xffff_ffff, max: CodecLimits.chainIDBytesMax), field: "tx.chain_id", offset: 0)) {
            try Transaction(canonicalBytes: transaction)
        }
        // A commit claiming more signatures than the validator cap.
        var commit = ByteWriter()
        commit.write(UInt64(1)); commit.write(UInt32(0)); commit.write(BlockID.zero)
        commit.write(UInt32(CodecLimits.validatorsMax + 1))
        #expect(throws: DecodeError(.countTooLarge(count: CodecLimits.validatorsMax + 1, max: CodecLimits.validatorsMax),
                                    field: "commit.signatures", offset: 8 + 4 + 32)) {
            try Commit(canonicalBytes: commit.bytes)
        }
        // A block claiming 20,000 transactions in a few bytes fails on the bytes left, not on allocation.
        var block = ByteWriter()
        block.write(Samples.block().header)
        block.write(UInt32(CodecLimits.transactionsPerBlockMax))
        #expect(throws: DecodeError.self) { try Block(canonicalBytes: block.bytes) }
    }

    @Test("a negative raw length and a list whose minimum size overflows Int are decode errors, not traps")
    func lengthArithmetic() {
        let bytes: [UInt8] = [0, 0, 0, 2, 1, 2, 3, 4]
        let results: [DecodeError?] = bytes.withUnsafeBytes { buffer in
            var negative = ByteReader(buffer)
            var huge = ByteReader(buffer)
            return [
                Result { () throws(DecodeError) in _ = try negative.readRaw(count: -1, "raw") }.error,
                Result { () throws(DecodeError) in
                    _ = try huge.readList(Validator.self, max: 10, minimumItemBytes: Int.max, "list")
                }.error,
            ]
        }
        #expect(results[0]?.kind == .invalid("negative length -1"))
        #expect(results[1]?.kind == .truncated(needed: Int.max - 4))
    }

    @Test("a boolean byte other than 0 or 1 is rejected, so each value has one encoding")
    func nonCanonicalBoolean() {
        var bytes = Samples.vote().canonicalBytes
        bytes[13] = 2 // the block id presence flag
        #expect(throws: DecodeError(.invalid("boolean byte 2 is neither 0 nor 1"), field: "vote.block_id", offset: 13)) {
            try Vote(canonicalBytes: bytes)
        }
    }

    @Test("evidence must hold two conflicting votes in canonical order")
    func evidenceOrder() throws {
        let evidence = Samples.evidence()
        #expect(evidence.voteA.blockID == nil)
        var swapped = ByteWriter()
        swapped.write(evidence.voteB)
        swapped.write(evidence.voteA)
        #expect(throws: DecodeError.self) { try DuplicateVoteEvidence(canonicalBytes: swapped.bytes) }
        #expect(throws: DuplicateVoteEvidence.Invalid.sameBlock) {
            try DuplicateVoteEvidence(Samples.vote(), Samples.vote())
        }
        #expect(throws: DuplicateVoteEvidence.Invalid.differentValidators) {
            try DuplicateVoteEvidence(Samples.vote(validator: 0), Samples.vote(blockID: nil, validator: 1))
        }
    }

    @Test("sign bytes are domain separated and bind the chain id")
    func signBytes() {
        let vote = Samples.vote()
        let votePrefix = Array(vote.signBytes(chainID: "a").dropFirst(4).prefix(SignDomain.vote.utf8.count))
        #expect(votePrefix == Array(SignDomain.vote.utf8))
        #expect(vote.signBytes(chainID: "a") != vote.signBytes(chainID: "b"))
        let transaction = Samples.transactions(count: 1)[0]
        #expect(transaction.verifySignature())
        var otherChain = transaction
        otherChain.chainID = "other"
        #expect(!otherChain.verifySignature())
        #expect(vote.signBytes(chainID: Samples.chainID) != Samples.proposal().signBytes(chainID: Samples.chainID))
    }

    @Test("a block's body is checked against its header")
    func blockBody() throws {
        let block = Samples.block()
        try block.validateBody()
        var tampered = block
        tampered.transactions.removeLast()
        #expect(throws: Block.Malformed.transactionsHashMismatch) { try tampered.validateBody() }
        var noCommit = block
        noCommit.lastCommit = nil
        #expect(throws: Block.Malformed.lastCommitHashMismatch) { try noCommit.validateBody() }
        #expect(block.id == block.header.blockID)
        var other = block
        other.header.timeMillis += 1
        #expect(other.id != block.id)
    }
}

private extension Result where Failure == DecodeError {
    var error: DecodeError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
