/// config.toml's `[pow]` section: how this node takes part in a proof-of-work chain. Ignored
/// on a `pos` chain.
public struct PoWConfig: Hashable, Sendable {
    /// Threads of the hashing core mining blocks (`ParallelMiner`); 0 = follow the chain
    /// without mining. One by default, so every node of a local PoW testnet mines.
    public var miningThreads: UInt64 = 1
    public static let miningThreadsMax: UInt64 = 256

    public init() {}
}
