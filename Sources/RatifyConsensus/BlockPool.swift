import RatifyCore

/// The blocks of the current height this node holds (proposed or fetched), each with its id,
/// computed once, and the shell's verdict on `valid(v)`.
struct BlockPool: Sendable {
    struct Entry: Sendable {
        let id: BlockID
        let block: Block
        var isValid: Bool
    }

    private(set) var entries: [Entry] = []

    func entry(_ id: BlockID) -> Entry? {
        for entry in entries where entry.id == id { return entry }
        return nil
    }

    func contains(_ id: BlockID) -> Bool { entries.contains { $0.id == id } }

    /// Adds a block; false if the pool is full. A block already held keeps its first verdict:
    /// validity is a function of the block and the state it builds on, which is fixed for a height.
    mutating func insert(id: BlockID, block: Block, isValid: Bool) -> Bool {
        if contains(id) { return true }
        guard entries.count < ConsensusLimits.knownBlocksPerHeightMax else { return false }
        entries.append(Entry(id: id, block: block, isValid: isValid))
        return true
    }
}
