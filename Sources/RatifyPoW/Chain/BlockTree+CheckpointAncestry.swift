import RatifyCore

/// The hybrid node's block tree answers the checkpoint rules' questions. A checkpoint names its
/// block by the header hash's internal bytes (`PoWHash.asHash`).
extension BlockTree: CheckpointAncestry {
    public func height(of block: Hash) -> Height? {
        nodes[PoWHash(block)]?.height
    }

    public func ancestorHash(of block: Hash, atHeight height: Height) -> Hash? {
        ancestor(of: PoWHash(block), atHeight: height).map { $0.hash.asHash }
    }
}
