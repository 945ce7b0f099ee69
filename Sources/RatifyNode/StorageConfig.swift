/// config.toml's `[storage]` section: how much block history this node keeps (docs/STORAGE.md,
/// "Pruning").
public struct StorageConfig: Hashable, Sendable {
    /// Heights of blocks, commits and transaction-index entries kept below and including the
    /// latest; older ones are pruned in the background. 0 keeps everything (an archive node).
    /// The default equals the genesis default of `staking.evidence_max_age_blocks`, so every
    /// height that evidence may still name stays readable, and a peer that was offline for that
    /// many heights (about 28 hours at one block a second) can still catch up from this node.
    public var retainBlocks: UInt64 = StorageConfig.retainBlocksDefault
    public static let retainBlocksDefault: UInt64 = 100_000
    /// Fewer kept heights than this would leave a peer a single gossip round behind with no
    /// one to catch up from, and `/block` of the height before the tip unanswerable.
    public static let retainBlocksMin: UInt64 = 2
    /// A snapshot of the ledger state is written every this many heights, for peers that join by
    /// state sync (docs/STORAGE.md, "Snapshots"); 0 writes none.
    public var snapshotIntervalHeights: UInt64 = StorageConfig.snapshotIntervalDefault
    public static let snapshotIntervalDefault: UInt64 = 1_000
    /// How many of the newest snapshots are kept (at least 1).
    public var snapshotKeepRecent: UInt64 = 2

    public init() {}
}
