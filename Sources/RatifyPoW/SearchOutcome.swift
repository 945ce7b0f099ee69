/// How a search ended: a solution, the range exhausted, or cancelled; and the work it took.
public struct SearchOutcome: Hashable, Sendable {
    /// The lowest nonce in the searched range (of the last header tried, after rolls) that
    /// meets the target: the same whatever the thread count. If the search was cancelled after
    /// a thread found one, that solution is kept (valid, though a lower nonce may be unsearched).
    public var solution: PoWSolution?
    /// Whether the search stopped because its `CancellationFlag` was set.
    public var cancelled: Bool
    /// Nonces hashed by each thread, over every header tried.
    public var hashesPerThread: [UInt64]
    /// How many headers were searched (1 plus the number of rolls).
    public var headersTried: UInt64

    public var hashes: UInt64 { hashesPerThread.reduce(0, &+) }
}
