import CoreMetrics
import Foundation
import RatifyCore

/// Verifies many signatures across all cores: the items are cut into one chunk per core and
/// each chunk is checked in a child task. Small batches are checked inline, where a task would
/// cost more than it saves. Used for mempool batches, block transactions and commits.
enum SignatureBatch {
    /// Below this many, verify on the calling task.
    static let parallelCountMin = 8
    /// Read once: Foundation's `activeProcessorCount` re-reads /proc and the cgroup files on
    /// every call, which cost 5.7 % of a validator's CPU when it was read per batch.
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `result[i]` is `check(items[i])`.
    static func verify<Item: Sendable>(_ items: [Item], _ check: @escaping @Sendable (Item) -> Bool) async -> [Bool] {
        let chunkCount = min(coreCount, items.count / parallelCountMin)
        guard chunkCount > 1 else { return items.map(check) }
        let chunkSize = (items.count + chunkCount - 1) / chunkCount
        return await withTaskGroup(of: (Int, [Bool]).self) { group in
            for start in stride(from: 0, to: items.count, by: chunkSize) {
                let chunk = Array(items[start..<min(start + chunkSize, items.count)])
                group.addTask { (start, chunk.map(check)) }
            }
            var results = [Bool](repeating: false, count: items.count)
            for await (start, verified) in group {
                results.replaceSubrange(start..<start + verified.count, with: verified)
            }
            return results
        }
    }

    /// Every transaction signature this process checks (`ratify_signature_verifications_total`
    /// with `kind="transaction"`), here and in the ledger (`BlockExecutor` counts those): divided
    /// by the transactions finalized, how often a node checks each one (docs/PERFORMANCE.md).
    static let transactionVerificationsName = "ratify_signature_verifications_total"
    static let transactionVerifications = Counter(label: transactionVerificationsName, dimensions: [("kind", "transaction")])

    /// Transactions' own signatures.
    static func verify(_ transactions: [Transaction]) async -> [Bool] {
        guard !transactions.isEmpty else { return [] }
        transactionVerifications.increment(by: transactions.count)
        return await verify(transactions) { $0.verifySignature() }
    }

    /// One transaction's own signature, on the calling thread, where a task costs more than the
    /// check (a peer's gossiped transaction, on the network thread that read it).
    static func verifyHere(_ transaction: Transaction) -> Bool {
        transactionVerifications.increment()
        return transaction.verifySignature()
    }
}
