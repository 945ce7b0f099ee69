import Synchronization

/// Tells hashing threads to stop: set it when a new tip arrives (or a benchmark's time is up).
/// Threads read it between batches of `ParallelMiner.batchNonces` nonces, so they stop within
/// one batch's time (docs/PERFORMANCE.md, "Proof of work", measures it).
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .releasing) }

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
