import RatifyCore

/// A vote whose Ed25519 signature has been checked against the key of the validator it names,
/// in the validator set of the vote's height. Only verification, or signing with that
/// validator's own key, constructs one, so the core never sees an unchecked signature
/// (docs/CONSENSUS.md, "The consensus core": signatures are checked in the shell, once, in
/// parallel, and enter the core as `Verified` values).
///
/// The core still checks that index and address name the same member of its own set for that
/// height, so a vote verified against the wrong set is dropped rather than miscounted.
public struct VerifiedVote: Hashable, Sendable {
    public let vote: Vote

    /// Checks that `vote.validatorIndex` is in range, that the member there has
    /// `vote.validatorAddress`, and that its public key verifies the signature over the vote's
    /// canonical sign bytes. `validators` must be the set of `vote.height`.
    public init?(verifying vote: Vote, chainID: String, validators: ValidatorSet) {
        let members = validators.validators
        let index = Int(vote.validatorIndex)
        guard members.indices.contains(index) else { return nil }
        let member = members[index]
        guard member.address == vote.validatorAddress,
              member.publicKey.verify(vote.signature, message: vote.signBytes(chainID: chainID)) else { return nil }
        self.vote = vote
    }

    /// Signs `vote` with `key` here and now. A signature libsodium has just made with a key
    /// verifies under that key's public key, so checking it again would only put another
    /// Ed25519 verification on the path of each of a validator's own votes; everything else
    /// `init(verifying:)` checks is checked: the index is in range and its member has the
    /// vote's address and `key`'s public key. A signature from anywhere else
    /// (a remote signer, the signer state on disk) goes through `init(verifying:)`.
    public init?(signing vote: Vote, chainID: String, with key: KeyPair, validators: ValidatorSet) {
        let members = validators.validators
        let index = Int(vote.validatorIndex)
        guard members.indices.contains(index), members[index].address == vote.validatorAddress,
              members[index].publicKey == key.publicKey else { return nil }
        var signed = vote
        signed.signature = key.sign(vote.signBytes(chainID: chainID))
        self.vote = signed
    }

    /// For the deterministic simulator only, which models a network of honest signatures and
    /// decides separately (per run) whether to pay for real Ed25519: see docs/SIMULATOR.md.
    /// No code that handles bytes from a network, file or user may call this.
    @_spi(Simulation)
    public init(unchecked vote: Vote) {
        self.vote = vote
    }
}
