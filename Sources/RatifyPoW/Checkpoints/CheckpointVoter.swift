import RatifyCore

/// The highest source and target epochs a validator has signed checkpoint votes for: all the
/// state its double-vote and surround-vote guard needs (EIP-3076's minimal condition). The
/// node persists it before a signed vote leaves the process.
public struct CheckpointSignerState: Hashable, Sendable, CanonicalCodable {
    public var sourceEpoch: UInt64
    public var targetEpoch: UInt64

    public init(sourceEpoch: UInt64, targetEpoch: UInt64) {
        self.sourceEpoch = sourceEpoch
        self.targetEpoch = targetEpoch
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(sourceEpoch)
        writer.write(targetEpoch)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        sourceEpoch = try reader.readUInt64("ffg_signer.source_epoch")
        targetEpoch = try reader.readUInt64("ffg_signer.target_epoch")
    }
}

/// Why a validator does not vote now.
public enum CheckpointVoteRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The chosen tip is not past an epoch boundary above the source: nothing new to vote for.
    case noNewEpoch(source: UInt64, tipEpoch: UInt64)
    /// The latest justified checkpoint is not on the chosen branch (fork choice fell back to
    /// the finalized checkpoint); voting from it would link across branches.
    case sourceNotOnChosenBranch(Checkpoint)
    /// The branch's block at the target height is not known.
    case targetUnknown(epoch: UInt64)
    /// The guard: the vote would repeat or undercut an earlier target (a double vote, or a
    /// vote an earlier one surrounds).
    case targetNotAfterSigned(target: UInt64, signed: UInt64)
    /// The guard: the vote's source is older than an earlier one's (it would surround it).
    case sourceBeforeSigned(source: UInt64, signed: UInt64)

    public var description: String {
        switch self {
        case .noNewEpoch(let source, let tipEpoch): "no checkpoint to vote for: source epoch \(source), tip in epoch \(tipEpoch)"
        case .sourceNotOnChosenBranch(let source): "latest justified checkpoint \(source) is not on the chosen branch"
        case .targetUnknown(let epoch): "the chosen branch's block for epoch \(epoch) is not known"
        case .targetNotAfterSigned(let target, let signed): "target epoch \(target) is not after the signed target epoch \(signed)"
        case .sourceBeforeSigned(let source, let signed): "source epoch \(source) is before the signed source epoch \(signed)"
        }
    }
}

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
        guard source.epoch < target.epoch else { return .noNewEpoch(source: source.epoch, tipEpoch: target.epoch) }
        guard let signed else { return nil }
        guard target.epoch > signed.targetEpoch else { return .targetNotAfterSigned(target: target.epoch, signed: signed.targetEpoch) }
        guard source.epoch >= signed.sourceEpoch else { return .sourceBeforeSigned(source: source.epoch, signed: signed.sourceEpoch) }
        return nil
    }
}
