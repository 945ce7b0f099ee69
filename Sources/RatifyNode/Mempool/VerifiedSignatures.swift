import RatifyCore

/// The hashes of the last `capacity` transactions whose signatures this node checked and
/// found good, oldest forgotten first. A transaction's hash covers its signature, so a hash
/// found here stands for a good signature: a transaction gossiped again after its block, or
/// met first in a proposal and then in the mempool, is checked once (docs/NODE.md, "Mempool").
struct VerifiedSignatures: Sendable {
    let capacity: Int
    private var members: Set<Hash> = []
    /// Insertion order, as a ring once full; `oldest` is the next slot to overwrite.
    private var order: [Hash] = []
    private var oldest = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a verified-signature cache needs room for one hash")
        self.capacity = capacity
    }

    var count: Int { members.count }

    func contains(_ hash: Hash) -> Bool { members.contains(hash) }

    mutating func insert(_ hash: Hash) {
        guard members.insert(hash).inserted else { return }
        if order.count < capacity {
            order.append(hash)
        } else {
            members.remove(order[oldest])
            order[oldest] = hash
            oldest = (oldest + 1) % capacity
        }
        assert(members.count <= capacity && members.count == order.count)
    }
}
