import Foundation
import Logging
import RatifyStore
import Synchronization

/// Writes a snapshot of the ledger state every `[storage] snapshot_interval` heights and keeps
/// the `snapshot_keep_recent` newest (docs/STORAGE.md, "Snapshots"). The driver tells it each
/// height it stored; at a multiple of the interval it reads the state in one LMDB read
/// transaction on a thread of its own, so the driver goes on deciding heights while the chunks
/// are hashed and written. Every node snapshots the same heights, so a node that joins by
/// state sync can fetch one snapshot's chunks from several peers.
///
/// A multiple stored inside a batch of heights (block sync stores runs of blocks in one
/// transaction), or overtaken by the next height before the read began, is skipped and logged:
/// the state at exactly that height is never in the store.
final class Snapshotter: Sendable {
    let store: NodeStore
    let snapshots: SnapshotStore
    let intervalHeights: UInt64
    let keepRecent: Int
    let logger: Logger
    /// A snapshot is being written: a multiple reached meanwhile is skipped.
    private let busy = Mutex(false)

    init(store: NodeStore, snapshots: SnapshotStore, intervalHeights: UInt64, keepRecent: Int, logger: Logger) {
        precondition(intervalHeights > 0 && keepRecent > 0)
        self.store = store
        self.snapshots = snapshots
        self.intervalHeights = intervalHeights
        self.keepRecent = keepRecent
        self.logger = logger
    }

    /// Heights `first ... last` are now stored (one transaction).
    func stored(from first: UInt64, through last: UInt64) {
        let multiple = last - last % intervalHeights
        guard multiple >= first, multiple > 0 else { return }
        guard multiple == last else {
            logger.info("snapshot skipped: its height was stored inside a batch", metadata: ["height": "\(multiple)"])
            return
        }
        guard busy.withLock({ busy in
            defer { busy = true }
            return !busy
        }) else {
            logger.info("snapshot skipped: the previous one is still being written", metadata: ["height": "\(last)"])
            return
        }
        Thread.detachNewThread { [self] in
            defer { busy.withLock { $0 = false } }
            write(height: last)
        }
    }

    /// Takes and writes the snapshot at `height` if the store is still there, then prunes.
    func write(height: UInt64) {
        let started = Date()
        do {
            guard let contents = try store.takeSnapshot(), contents.height == height else {
                logger.info("snapshot skipped: the next height was stored before the read began", metadata: ["height": "\(height)"])
                return
            }
            let manifest = try snapshots.write(height: contents.height, appHash: contents.appHash, blockHash: contents.blockHash,
                                               stateEntries: contents.stateEntries, chunks: contents.chunks)
            let pruned = try snapshots.prune(keepRecent: keepRecent)
            logger.info("snapshot written", metadata: [
                "height": "\(height)", "chunks": "\(manifest.chunkHashes.count)", "state_entries": "\(manifest.stateEntries)",
                "bytes": "\(contents.chunks.reduce(0) { $0 + $1.count })", "hash": "\(manifest.hash)",
                "ms": "\(Int(Date().timeIntervalSince(started) * 1_000))", "pruned": "\(pruned.map(String.init).joined(separator: ","))",
            ])
        } catch {
            logger.error("snapshot failed", metadata: ["height": "\(height)", "error": "\(error)"])
        }
    }
}
