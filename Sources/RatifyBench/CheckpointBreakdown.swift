import RatifyOps

/// Where a hybrid run's checkpoint finality went (`ratify bench compare`, docs/PERFORMANCE.md,
/// "PoS vs PoW vs hybrid"): for each checkpoint the nodes logged, the median node's time from
/// holding the checkpoint block to each step (its vote signed, votes for a link to it past
/// 2/3, justified, finalized), then the median over the checkpoints; beside it, what the
/// Casper FFG rules allow at the run's block rate.
public struct CheckpointBreakdown: Sendable, Codable, Equatable {
    /// One checkpoint's step, as the nodes' lines name it.
    struct Key: Hashable, Sendable {
        var step: CheckpointLine.Step
        var epoch: UInt64
        var blockHash: String
    }

    public var epochLength: UInt64
    /// Checkpoints finalized with a timed block (the finalized step's sample count).
    public var checkpointsFinalized: Int
    /// Median over checkpoints of the median node's milliseconds after the checkpoint block.
    public var voteSignedMillis: Double?
    public var supermajorityMillis: Double?
    public var justifiedMillis: Double?
    public var finalizedMillis: Double?
    /// The measured window's mean block interval (nil without blocks).
    public var blockIntervalMillis: Double?
    /// What the rules allow a transaction at that block rate: `rulesFinalityBlocks` intervals.
    public var rulesFinalityMillis: Double?

    /// A transaction waits on average one interval for a block (block times are memoryless),
    /// (L − 1) / 2 blocks for its epoch's checkpoint block, then L + 1 more: votes are cast one
    /// block deep and a checkpoint is finalized when the next one is justified.
    public static func rulesFinalityBlocks(epochLength: UInt64) -> Double { 1.5 * Double(epochLength) + 1.5 }

    static func make(steps: [Key: [Double]], epochLength: UInt64, blockIntervalMillis interval: Double?) -> CheckpointBreakdown {
        var perStep: [CheckpointLine.Step: [Double]] = [:]
        for (key, millis) in steps {
            if let median = LocalnetLog.median(millis) { perStep[key.step, default: []].append(median) }
        }
        return CheckpointBreakdown(
            epochLength: epochLength, checkpointsFinalized: perStep[.finalized]?.count ?? 0,
            voteSignedMillis: LocalnetLog.median(perStep[.voteSigned] ?? []),
            supermajorityMillis: LocalnetLog.median(perStep[.supermajority] ?? []),
            justifiedMillis: LocalnetLog.median(perStep[.justified] ?? []),
            finalizedMillis: LocalnetLog.median(perStep[.finalized] ?? []),
            blockIntervalMillis: interval,
            rulesFinalityMillis: interval.map { $0 * rulesFinalityBlocks(epochLength: epochLength) })
    }

    /// One line under the comparison table.
    var text: String {
        func figure(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "-" }
        var line = "checkpoint steps, p50 ms after the checkpoint block over \(checkpointsFinalized) finalized checkpoints: "
            + "vote signed \(figure(voteSignedMillis)), votes past 2/3 \(figure(supermajorityMillis)), "
            + "justified \(figure(justifiedMillis)), finalized \(figure(finalizedMillis)); epochs of \(epochLength) blocks"
        if let blockIntervalMillis, let rulesFinalityMillis {
            line += String(format: ", a block every %.0f ms: the rules allow a transaction about %.0f ms (%.1f blocks)",
                           blockIntervalMillis, rulesFinalityMillis, Self.rulesFinalityBlocks(epochLength: epochLength))
        }
        return line
    }

    enum CodingKeys: String, CodingKey {
        case epochLength = "epoch_length", checkpointsFinalized = "checkpoints_finalized"
        case voteSignedMillis = "vote_signed_ms", supermajorityMillis = "votes_past_two_thirds_ms"
        case justifiedMillis = "justified_ms", finalizedMillis = "finalized_ms"
        case blockIntervalMillis = "block_interval_ms", rulesFinalityMillis = "rules_finality_ms"
    }
}
