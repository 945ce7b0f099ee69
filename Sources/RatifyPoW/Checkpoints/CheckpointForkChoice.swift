import RatifyCore

/// Hybrid fork choice (EIP-1011, "Fork choice"): follow the most-work branch that contains the
/// latest justified checkpoint, and never one that leaves the latest finalized checkpoint,
/// whatever work it carries. Pure; the block tree enters through `CheckpointAncestry`.
public enum CheckpointForkChoice {
    /// The most-work tip among those containing `latestJustified`; when none does (its block
    /// is not known yet, say), the most-work tip containing `latestFinalized`; nil when no tip
    /// contains the finalized checkpoint. Equal work keeps the earlier tip in `tips`, so the
    /// caller lists them first seen first, as Bitcoin keeps the first-seen tip.
    public static func bestTip(among tips: [ForkChoiceTip], latestJustified: Checkpoint, latestFinalized: Checkpoint,
                               epochLengthBlocks: UInt64, ancestry: some CheckpointAncestry) -> ForkChoiceTip? {
        let keepingFinalized = tips.filter {
            ancestry.branch(endingAt: $0.blockHash, contains: latestFinalized, epochLengthBlocks: epochLengthBlocks)
        }
        let keepingJustified = keepingFinalized.filter {
            ancestry.branch(endingAt: $0.blockHash, contains: latestJustified, epochLengthBlocks: epochLengthBlocks)
        }
        return mostWork(keepingJustified.isEmpty ? keepingFinalized : keepingJustified)
    }

    static func mostWork(_ tips: [ForkChoiceTip]) -> ForkChoiceTip? {
        var best: ForkChoiceTip?
        for tip in tips where best.map({ tip.work > $0.work }) ?? true { best = tip }
        return best
    }
}
