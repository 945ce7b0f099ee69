import RatifyCore

/// Why a vote was not counted, for logs and peer scoring.
public enum CheckpointVoteRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case sourceNotBeforeTarget(source: UInt64, target: UInt64)
    /// The source is older than the latest finalized checkpoint, below which votes are pruned.
    case sourceBelowFinalized(source: UInt64, finalized: UInt64)
    case notAValidator(Address)
    case targetNotAtItsEpoch(Checkpoint)
    case sourceNotAncestorOfTarget(source: Checkpoint, target: Checkpoint)
    case epochFull(epoch: UInt64, votesMax: Int)

    public var description: String {
        switch self {
        case .sourceNotBeforeTarget(let source, let target): "source epoch \(source) is not below target epoch \(target)"
        case .sourceBelowFinalized(let source, let finalized): "source epoch \(source) is below the finalized epoch \(finalized)"
        case .notAValidator(let address): "\(address.hex) is not a validator of the target epoch or the one before"
        case .targetNotAtItsEpoch(let target): "target block \(target.blockHash.short) is not at epoch \(target.epoch)'s boundary height"
        case .sourceNotAncestorOfTarget(let source, let target): "source \(source) is not an ancestor of target \(target)"
        case .epochFull(let epoch, let votesMax): "epoch \(epoch) already holds \(votesMax) votes"
        }
    }
}
