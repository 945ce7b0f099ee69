import RatifyCore

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
