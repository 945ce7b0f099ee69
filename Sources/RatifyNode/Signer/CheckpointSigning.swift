import RatifyCore
import RatifyPoW
import RatifyStore

extension CheckpointSignerStore {
    /// Signs `vote` (`signBytes` are its sign bytes on the chain) under this store's checkpoint
    /// guard: the rule of `CheckpointVoter` (no second vote for a target epoch, no surround
    /// vote) against the epochs recorded here, made durable before the signature is returned.
    /// The node's store and a remote signer's both sign through this.
    func authorize(_ vote: CheckpointVote, signBytes: [UInt8], sign: ([UInt8]) throws -> Signature) throws -> Signature {
        try authorize(sourceEpoch: vote.source.epoch, targetEpoch: vote.target.epoch, signBytes: signBytes,
                      refusal: { last in
                          CheckpointVoter.guardRefusal(sourceEpoch: vote.source.epoch, targetEpoch: vote.target.epoch,
                                                       signed: last.map { CheckpointSignerState(sourceEpoch: $0.sourceEpoch, targetEpoch: $0.targetEpoch) })
                      },
                      sign: sign)
    }
}
