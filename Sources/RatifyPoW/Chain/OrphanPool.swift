/// Blocks whose parent is not known yet, held until it arrives: at most `capacity`, the oldest
/// dropped first. Pure; the node fetches what they lack by headers-first sync.
public struct OrphanPool: Sendable {
    public let capacity: Int
    private var blocks: [PoWHash: PoWBlock] = [:]
    /// Arrival order, for eviction.
    private var order: [PoWHash] = []

    public init(capacity: Int) {
        precondition(capacity > 0, "an orphan pool holds at least one block")
        self.capacity = capacity
    }

    public var count: Int { blocks.count }
    public func contains(_ hash: PoWHash) -> Bool { blocks[hash] != nil }

    /// Holds `block`; returns the hash of the block dropped to make room, if one was.
    @discardableResult
    public mutating func add(_ block: PoWBlock) -> PoWHash? {
        let hash = block.hash
        guard blocks[hash] == nil else { return nil }
        var evicted: PoWHash?
        if blocks.count >= capacity, let oldest = order.first {
            order.removeFirst()
            blocks[oldest] = nil
            evicted = oldest
        }
        blocks[hash] = block
        order.append(hash)
        return evicted
    }

    /// Removes and returns the orphans whose parent is `parent`, in arrival order.
    public mutating func takeChildren(of parent: PoWHash) -> [PoWBlock] {
        let found = order.filter { blocks[$0]?.header.previousHash == parent }
        guard !found.isEmpty else { return [] }
        let taken = Set(found)
        order.removeAll { taken.contains($0) }
        return found.compactMap { blocks.removeValue(forKey: $0) }
    }
}
