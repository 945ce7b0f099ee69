/// Why a commit does not prove its block final.
public enum CommitVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongSize(signatures: Int, validators: Int)
    case badSignature(index: Int)
    case insufficientPower(signed: Int64, total: Int64)

    public var description: String {
        switch self {
        case .wrongSize(let signatures, let validators):
            "commit has \(signatures) signature slots for \(validators) validators"
        case .badSignature(let index):
            "commit signature \(index) does not verify with validator \(index)'s key"
        case .insufficientPower(let signed, let total):
            "commit carries \(signed) of \(total) voting power, not more than 2/3"
        }
    }
}

extension Commit {
    /// Checks that more than 2/3 of `validators`' voting power precommitted `blockID` in
    /// `round`: every present signature must verify (a bad one is an error, not skipped),
    /// and the power of those for the block must be a 2/3+ majority.
    public func verify(chainID: String, validators: ValidatorSet) throws(CommitVerificationError) {
        guard signatures.count == validators.count else {
            throw .wrongSize(signatures: signatures.count, validators: validators.count)
        }
        var signedPower: Int64 = 0
        for (index, member) in validators.validators.enumerated() {
            guard let vote = vote(at: index, address: member.address) else { continue }
            guard member.publicKey.verify(vote.signature, message: vote.signBytes(chainID: chainID)) else {
                throw .badSignature(index: index)
            }
            if vote.blockID == blockID { signedPower += member.votingPower }
        }
        guard validators.hasTwoThirdsMajority(signedPower) else {
            throw .insufficientPower(signed: signedPower, total: validators.totalVotingPower)
        }
    }

    /// Which validators of the set that finalised this commit's height precommitted anything
    /// (for the ledger's downtime tracking).
    public func participation(validators: ValidatorSet) -> [(address: Address, signed: Bool)] {
        validators.validators.enumerated().map { index, member in
            let signed = signatures.indices.contains(index) && signatures[index] != .absent
            return (member.address, signed)
        }
    }
}
