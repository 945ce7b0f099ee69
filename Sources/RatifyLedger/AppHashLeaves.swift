import RatifyCore

/// The bottom level of the app hash's Merkle tree, kept in key order between blocks so a block
/// rehashes only the pairs it changed instead of every pair of the state (each node computes
/// the app hash after every block; with a thousand accounts the full rehash was most of a
/// block's execution time).
struct AppHashLeaves: Sendable {
    /// Sorted by `lexicographicallyPrecedes`, as `LedgerState.keyValues()` orders them.
    private var keys: [[UInt8]] = []
    /// `MerkleTree.leafNode(SHA-256(key ‖ value))` for the key at the same index.
    private var nodes: [Hash] = []

    init() {}

    init(pairs: [(key: [UInt8], value: [UInt8])]) {
        keys = pairs.map(\.key)
        nodes = pairs.map { Self.node(key: $0.key, value: $0.value) }
    }

    var root: Hash { MerkleTree.root(leafNodes: nodes) }

    /// Sets the pair under `key`; nil removes it.
    mutating func set(_ key: [UInt8], value: [UInt8]?) {
        let index = insertionIndex(of: key)
        let present = index < keys.count && keys[index] == key
        switch (present, value) {
        case (true, .some(let value)):
            nodes[index] = Self.node(key: key, value: value)
        case (true, .none):
            keys.remove(at: index)
            nodes.remove(at: index)
        case (false, .some(let value)):
            keys.insert(key, at: index)
            nodes.insert(Self.node(key: key, value: value), at: index)
        case (false, .none):
            break
        }
    }

    private func insertionIndex(of key: [UInt8]) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle].lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func node(key: [UInt8], value: [UInt8]) -> Hash {
        var leaf = ByteWriter(capacity: key.count + value.count)
        leaf.writeBytes(key)
        leaf.writeBytes(value)
        return MerkleTree.leafNode(Hash.sha256(leaf.bytes))
    }
}
