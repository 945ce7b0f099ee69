/// What a miner changes once a header's whole nonce space (2^32) is exhausted.
public enum HeaderRoll: Sendable {
    /// Give up: the search ends exhausted.
    case none
    /// Add one second to the header's time, up to `maxTime` (a node bounds it by the future
    /// limit its peers accept).
    case time(maxTime: UInt32)
    /// Ask the block builder for the Merkle root with extra-nonce 1, 2, ... (the coinbase's
    /// extra-nonce changes, so the root does); nil ends the search.
    case extraNonce(@Sendable (UInt64) -> PoWHash?)

    /// The header to search after `header`'s nonces ran out on roll number `roll` (1-based).
    func next(after header: BlockHeader80, roll: UInt64) -> BlockHeader80? {
        var next = header
        next.nonce = 0
        switch self {
        case .none:
            return nil
        case .time(let maxTime):
            guard header.time < maxTime else { return nil }
            next.time = header.time + 1
        case .extraNonce(let merkleRoot):
            guard let root = merkleRoot(roll) else { return nil }
            next.merkleRoot = root
        }
        return next
    }
}
