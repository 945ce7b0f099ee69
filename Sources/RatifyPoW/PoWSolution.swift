/// A header whose hash meets the target it was searched for.
public struct PoWSolution: Hashable, Sendable {
    public var header: BlockHeader80
    public var hash: PoWHash
}
