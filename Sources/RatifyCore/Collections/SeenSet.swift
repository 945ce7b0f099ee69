/// The most recent `capacity` hashes seen, the oldest forgotten first (a FIFO ring beside a hash
/// set). Gossip keeps the digests of recent messages in one, to drop duplicates before any
/// signature check; the mempool the hashes of transactions whose signatures it checked.
public struct SeenSet: Sendable {
    public let capacity: Int
    private var members: Set<Hash> = []
    private var ring: [Hash] = []
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        members.reserveCapacity(capacity)
        ring.reserveCapacity(capacity)
    }

    public var count: Int { members.count }

    public func contains(_ digest: Hash) -> Bool { members.contains(digest) }

    /// Inserts a digest; false when it was already there.
    @discardableResult
    public mutating func insert(_ digest: Hash) -> Bool {
        guard members.insert(digest).inserted else { return false }
        if ring.count < capacity {
            ring.append(digest)
        } else {
            members.remove(ring[next])
            ring[next] = digest
            next = (next + 1) % capacity
        }
        return true
    }

    /// Forgets a digest (a message that could not be delivered, so a later copy is taken).
    /// Its ring slot stays until overwritten; removing it there too is not needed for the bound.
    public mutating func remove(_ digest: Hash) {
        members.remove(digest)
    }
}
