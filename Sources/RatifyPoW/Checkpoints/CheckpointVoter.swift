import RatifyCore

/// An honest validator's checkpoint voting rule, pure: at each epoch it votes from its latest
/// justified checkpoint (the source) to the current epoch's checkpoint on the branch fork
/// choice picked (the target), and it never signs a vote that would make a double or surround
/// vote with its own earlier ones. The node persists `signed` before it signs the vote it got.
public struct CheckpointVoter: Sendable {
    public let validatorAddress: Address
    public let epochLengthBlocks: UInt64
    /// What this validator has signed so far; nil before its first vote.
    public private(set) var signed: CheckpointSignerState?

    public init(validatorAddress: Address, epochLengthBlocks: UInt64, signed: CheckpointSignerState? = nil) {
        precondition(epochLengthBlocks > 0, "epochs are at least one block long")
        self.validatorAddress = validatorAddress
        self.epochLengthBlocks = epochLengthBlocks
        self.signed = signed
    }

    /// The vote to sign now for `tip` (the branch fork choice chose), recorded in `signed`;
    /// or why there is none. The returned vote carries no signature.
    public mutating func nextVote(tip: ForkChoiceTip, latestJustified: Checkpoint,
                                  ancestry: some CheckpointAncestry) -> Result<CheckpointVote, CheckpointVoteRefusal> {
        let tipEpoch = tip.height / epochLengthBlocks
        guard tipEpoch > latestJustified.epoch else { return .failure(.noNewEpoch(source: latestJustified.epoch, tipEpoch: tipEpoch)) }
        guard ancestry.branch(endingAt: tip.blockHash, contains: latestJustified, epochLengthBlocks: epochLengthBlocks) else {
            return .failure(.sourceNotOnChosenBranch(latestJustified))
        }
        // tipEpoch × epochLengthBlocks ≤ tip.height, so it cannot overflow.
        guard let targetHash = ancestry.ancestorHash(of: tip.blockHash, atHeight: tipEpoch * epochLengthBlocks) else {
            return .failure(.targetUnknown(epoch: tipEpoch))
        }
        let target = Checkpoint(epoch: tipEpoch, blockHash: targetHash)
        if let refusal = guardRefusal(source: latestJustified, target: target) { return .failure(refusal) }
        signed = CheckpointSignerState(sourceEpoch: latestJustified.epoch, targetEpoch: target.epoch)
        return .success(CheckpointVote(validatorAddress: validatorAddress, source: latestJustified, target: target))
    }

    /// Why signing `source → target` could be slashable given what was signed before, or nil.
    /// With every earlier target below this one and every earlier source at or below this
    /// source, no earlier vote shares its target epoch, surrounds it or is surrounded by it.
    public func guardRefusal(source: Checkpoint, target: Checkpoint) -> CheckpointVoteRefusal? {
        Self.guardRefusal(sourceEpoch: source.epoch, targetEpoch: target.epoch, signed: signed)
    }

    /// The same rule for any holder of a signing record (the node's store, a remote signer's).
    public static func guardRefusal(sourceEpoch: UInt64, targetEpoch: UInt64, signed: CheckpointSignerState?) -> CheckpointVoteRefusal? {
        guard sourceEpoch < targetEpoch else { return .noNewEpoch(source: sourceEpoch, tipEpoch: targetEpoch) }
        guard let signed else { return nil }
        guard targetEpoch > signed.targetEpoch else { return .targetNotAfterSigned(target: targetEpoch, signed: signed.targetEpoch) }
        guard sourceEpoch >= signed.sourceEpoch else { return .sourceBeforeSigned(source: sourceEpoch, signed: signed.sourceEpoch) }
        return nil
    }
}
