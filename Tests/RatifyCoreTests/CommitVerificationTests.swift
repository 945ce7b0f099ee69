import Testing
@testable import RatifyCore

@Suite("commit verification")
struct CommitVerificationTests {
    static let chainID = "commit-test"
    static let keys = (1...4).compactMap { KeyPair(seed: [UInt8](repeating: UInt8($0), count: 32)) }

    static func makeSet(powers: [Int64]) throws -> ValidatorSet {
        try ValidatorSet(validators: zip(keys, powers).map { Validator(publicKey: $0.publicKey, votingPower: $1) })
    }

    /// A commit in which the validators at `signers` precommit the block, the rest are absent.
    static func commit(_ set: ValidatorSet, signers: Set<Int>, blockID: BlockID, nilVoters: Set<Int> = []) -> Commit {
        let signatures: [CommitSig] = set.validators.enumerated().map { index, member in
            let key = keys.first { $0.publicKey == member.publicKey }
            let forBlock = signers.contains(index)
            guard let key, forBlock || nilVoters.contains(index) else { return .absent }
            let sign = Vote.signBytes(chainID: chainID, type: .precommit, height: 5, round: 1, blockID: forBlock ? blockID : nil)
            return forBlock ? .commit(key.sign(sign)) : .nil(key.sign(sign))
        }
        return Commit(height: 5, round: 1, blockID: blockID, signatures: signatures)
    }

    @Test("more than 2/3 of the power verifies; exactly 2/3 does not")
    func quorumByPower() throws {
        let set = try Self.makeSet(powers: [1, 1, 1, 3]) // total 6: the power-3 validator sorts first
        let block = BlockID(hash: Hash.sha256([7]))
        try Self.commit(set, signers: [0, 1, 2], blockID: block).verify(chainID: Self.chainID, validators: set)
        #expect(throws: CommitVerificationError.insufficientPower(signed: 4, total: 6)) {
            try Self.commit(set, signers: [0, 1], blockID: block, nilVoters: [2, 3]).verify(chainID: Self.chainID, validators: set)
        }
    }

    @Test("a bad signature, another chain id or a wrong-sized commit is rejected")
    func rejects() throws {
        let set = try Self.makeSet(powers: [1, 1, 1, 1])
        let block = BlockID(hash: Hash.sha256([7]))
        var commit = Self.commit(set, signers: [0, 1, 2, 3], blockID: block)
        #expect(throws: CommitVerificationError.badSignature(index: 0)) {
            try commit.verify(chainID: "other-chain", validators: set)
        }
        commit.signatures.removeLast()
        #expect(throws: CommitVerificationError.wrongSize(signatures: 3, validators: 4)) {
            try commit.verify(chainID: Self.chainID, validators: set)
        }
        let participation = Self.commit(set, signers: [0, 2], blockID: block).participation(validators: set)
        #expect(participation.map(\.signed) == [true, false, true, false])
    }
}
