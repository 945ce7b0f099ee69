import RatifyCore

/// A branch head a hybrid node could follow, with the total work of its chain.
public struct ForkChoiceTip: Hashable, Sendable {
    public var blockHash: Hash
    public var height: Height
    public var work: UInt256

    public init(blockHash: Hash, height: Height, work: UInt256) {
        self.blockHash = blockHash
        self.height = height
        self.work = work
    }
}
