import RatifyCore

/// What `Mempool.update` did after a block: how many of the block's transactions it held,
/// and which of the rest no longer pass against the new state (with why), so the driver can log.
public struct MempoolUpdate: Sendable {
    public var removedCommittedCount: Int
    public var dropped: [(hash: Hash, reason: MempoolError)]
    public var remainingCount: Int

    public init(removedCommittedCount: Int, dropped: [(hash: Hash, reason: MempoolError)], remainingCount: Int) {
        self.removedCommittedCount = removedCommittedCount
        self.dropped = dropped
        self.remainingCount = remainingCount
    }
}
