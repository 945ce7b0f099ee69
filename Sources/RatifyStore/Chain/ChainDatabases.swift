/// The named databases of a node's store, opened once by `NodeStore.open`. Layouts (see
/// docs/STORAGE.md): heights are 8-byte big-endian keys; hashes are 32 raw bytes.
struct ChainDatabases: Sendable {
    /// Single-record facts about the store: `genesis_hash`, `format_version`, `latest_height`,
    /// `earliest_height`.
    let meta: LMDBDatabase
    /// height -> canonical block bytes.
    let blocks: LMDBDatabase
    /// height -> canonical commit bytes (the 2/3+ precommits that finalised that block).
    let commits: LMDBDatabase
    /// height -> block hash (32 bytes).
    let blockHashes: LMDBDatabase
    /// block hash -> height (8 bytes big-endian).
    let blockHeights: LMDBDatabase
    /// height -> app hash after applying that block (32 bytes).
    let appHashes: LMDBDatabase
    /// ledger key -> value, the state after `latest_height`.
    let state: LMDBDatabase
    /// (height, sequence) -> consensus WAL record.
    let wal: LMDBDatabase
    /// `state` -> the double-sign guard's `SignerState`.
    let signer: LMDBDatabase
    /// height -> canonical `ValidatorSet` bytes of that height (with proposer priorities), the
    /// set whose 2/3+ precommits finalise it. Written for H+2 with block H (changes decided in
    /// H take effect at H+2), and for heights 1 and 2 from the genesis.
    let validatorSets: LMDBDatabase
    /// transaction hash -> height (u64), index in the block (u32), result code (u32), result
    /// log (length-prefixed string): where a final transaction is and what it did.
    let transactions: LMDBDatabase
    /// Proof-of-work chains (`PoWChainStore`): block hash -> canonical `PoWBlock` bytes, every
    /// block whose header was accepted, on the best chain or not.
    let powBlocks: LMDBDatabase
    /// block hash -> the block's undo data: the ledger keys it changed with their values before it.
    let powUndo: LMDBDatabase
    /// height -> block hash of the best chain, heights 1 through the tip.
    let powBest: LMDBDatabase
    /// Hybrid chains (`CheckpointVoteStore`): target epoch `u64` ‖ validator address (20 bytes)
    /// -> canonical `CheckpointVote` bytes, the votes the checkpoint tracker counted.
    let ffgVotes: LMDBDatabase

    static let names = ["meta", "blocks", "commits", "block_hashes", "block_heights", "app_hashes", "state", "wal", "signer",
                        "validator_sets", "transactions", "pow_blocks", "pow_undo", "pow_best", "ffg_votes"]

    static func open(in environment: LMDBEnvironment) throws -> ChainDatabases {
        ChainDatabases(
            meta: try environment.openDatabase(named: "meta"),
            blocks: try environment.openDatabase(named: "blocks"),
            commits: try environment.openDatabase(named: "commits"),
            blockHashes: try environment.openDatabase(named: "block_hashes"),
            blockHeights: try environment.openDatabase(named: "block_heights"),
            appHashes: try environment.openDatabase(named: "app_hashes"),
            state: try environment.openDatabase(named: "state"),
            wal: try environment.openDatabase(named: "wal"),
            signer: try environment.openDatabase(named: "signer"),
            validatorSets: try environment.openDatabase(named: "validator_sets"),
            transactions: try environment.openDatabase(named: "transactions"),
            powBlocks: try environment.openDatabase(named: "pow_blocks"),
            powUndo: try environment.openDatabase(named: "pow_undo"),
            powBest: try environment.openDatabase(named: "pow_best"),
            ffgVotes: try environment.openDatabase(named: "ffg_votes"))
    }
}

/// Keys of the `meta` database.
enum MetaKey {
    static let genesisHash = Array("genesis_hash".utf8)
    static let formatVersion = Array("format_version".utf8)
    static let latestHeight = Array("latest_height".utf8)
    /// The lowest height whose block is kept, `u64`; absent means 1 (nothing pruned).
    static let earliestHeight = Array("earliest_height".utf8)
    /// Proof-of-work chains: the best chain's tip, height (8 bytes) ‖ block hash ‖ app hash.
    static let powTip = Array("pow_tip".utf8)
}
