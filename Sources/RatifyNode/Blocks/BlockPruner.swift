import Logging
import RatifyStore

/// Deletes blocks older than `[storage] retain_blocks` in the background while the node runs
/// (docs/STORAGE.md, "Pruning"). Each batch is one small write transaction
/// (`BlockStore.pruneBatch`); between batches it pauses, so the driver's next block commit
/// waits for the writer lock at most one batch and consensus never stalls behind a long prune.
struct BlockPruner: Sendable {
    let blocks: BlockStore
    let retainBlocks: UInt64
    let logger: Logger

    /// One batch's limits: a few milliseconds of deletes and one fsync.
    static let heightsPerBatchMax = 64
    static let transactionsPerBatchMax = 4_096
    /// The pause after a batch while more is left to prune.
    static let pauseBetweenBatchesMillis = 20
    /// How often a node with nothing left to prune looks again (new heights arrive about this often).
    static let checkIntervalMillis = 1_000
    /// After a failed batch (full disk, a damaged block) pruning waits this long and tries again;
    /// nothing was deleted by the failed batch.
    static let retryAfterErrorMillis = 60_000

    /// Prunes until cancelled (the node stopping). Never throws: a failure is logged and retried.
    func run() async {
        logger.info("pruning blocks", metadata: [
            "retain_blocks": "\(retainBlocks)", "earliest_height": "\((try? blocks.earliestHeight()).map(String.init) ?? "unknown")",
        ])
        while !Task.isCancelled {
            let pauseMillis: Int
            do {
                if let batch = try blocks.pruneBatch(retainBlocks: retainBlocks, heightsMax: Self.heightsPerBatchMax,
                                                     transactionsMax: Self.transactionsPerBatchMax) {
                    logger.debug("pruned", metadata: [
                        "heights": "\(batch.heightsRemoved.lowerBound)...\(batch.heightsRemoved.upperBound - 1)",
                        "transactions": "\(batch.transactionsRemoved)", "earliest_height": "\(batch.earliestHeight)",
                    ])
                    pauseMillis = Self.pauseBetweenBatchesMillis
                } else {
                    pauseMillis = Self.checkIntervalMillis
                }
            } catch {
                logger.error("pruning failed; retrying later", metadata: ["error": "\(error)", "retry_ms": "\(Self.retryAfterErrorMillis)"])
                pauseMillis = Self.retryAfterErrorMillis
            }
            try? await Task.sleep(for: .milliseconds(pauseMillis))
        }
    }
}
