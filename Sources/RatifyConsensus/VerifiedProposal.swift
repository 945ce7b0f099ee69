import RatifyCore

/// A proposal whose Ed25519 signature has been checked against the key of the member of the
/// height's validator set that it names as proposer. Whether that member is the proposer of
/// the proposal's round is the core's check (it keeps the proposer schedule), as is whether
/// the block travelling beside it has the id it names.
public struct VerifiedProposal: Hashable, Sendable {
    public let proposal: Proposal

    /// `validators` must be the set of `proposal.height`.
    public init?(verifying proposal: Proposal, chainID: String, validators: ValidatorSet) {
        guard let index = validators.index(of: proposal.proposerAddress) else { return nil }
        let members = validators.validators
        guard members.indices.contains(index),
              members[index].publicKey.verify(proposal.signature, message: proposal.signBytes(chainID: chainID))
        else { return nil }
        self.proposal = proposal
    }

    /// Signs `proposal` with `key` here and now, as `VerifiedVote.init(signing:chainID:with:validators:)`
    /// signs a vote: the proposer it names must be a member with `key`'s public key.
    public init?(signing proposal: Proposal, chainID: String, with key: KeyPair, validators: ValidatorSet) {
        guard let index = validators.index(of: proposal.proposerAddress) else { return nil }
        let members = validators.validators
        guard members.indices.contains(index), members[index].publicKey == key.publicKey else { return nil }
        var signed = proposal
        signed.signature = key.sign(proposal.signBytes(chainID: chainID))
        self.proposal = signed
    }

    /// For the deterministic simulator only: see `VerifiedVote.init(unchecked:)`.
    @_spi(Simulation)
    public init(unchecked proposal: Proposal) {
        self.proposal = proposal
    }
}
