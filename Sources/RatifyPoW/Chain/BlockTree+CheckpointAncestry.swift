import RatifyCore

/// The hybrid node's block tree answers the checkpoint rules' questions. A checkpoint names its
/// block by the header hash's internal bytes (`Hash(raw: PoWHash.raw)`).
extension BlockTree: CheckpointAncestry {
    public func height(of block: Hash) -> Height? {
        nodes[PoWHash(raw: block.raw)]?.height
    }

    public func ancestorHash(of block: Hash, atHeight height: Height) -> Hash? {
        ancestor(of: PoWHash(raw: block.raw), atHeight: height).map { Hash(raw: $0.hash.raw) }
    }
}
