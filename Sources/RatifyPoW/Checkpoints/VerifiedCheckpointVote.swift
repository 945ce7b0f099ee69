import RatifyCore

/// A checkpoint vote whose signature has been checked against the key of the validator it
/// names, in a validator set that weighs it (its target epoch's, or the epoch before's:
/// `CheckpointTracker.validators(forEpoch:)`). Only verification constructs one, so the
/// tracker never counts an unchecked signature (docs/CONSENSUS.md, "The consensus core": signatures are checked in the
/// shell, once, and enter the pure logic as `Verified` values).
public struct VerifiedCheckpointVote: Hashable, Sendable {
    public let vote: CheckpointVote

    /// Nil when `vote.validatorAddress` is not in `validators` or its key does not verify the
    /// signature over the vote's sign bytes on `chainID`.
    public init?(verifying vote: CheckpointVote, chainID: String, validators: ValidatorSet) {
        guard let member = validators.validator(at: vote.validatorAddress),
              vote.verifySignature(chainID: chainID, key: member.publicKey) else { return nil }
        self.vote = vote
    }
}
