import RatifyCore
import RatifyNode
import RatifyOps
import RatifyStore

/// What the stores of stopped nodes say about each other: every height all of them hold must
/// have one block hash and one app hash (the ledger is deterministic).
struct StoreAgreement {
    /// The highest height every store holds.
    var commonHeight: UInt64
    /// Heights where two stores hold different blocks or app hashes.
    var disagreements: [UInt64]
    /// Per store, the problems `verifyBlocks` found.
    var blockProblems: [Int]

    /// Opens each home's `data/` (the nodes must be stopped) and compares them.
    init(homes: [String], genesisHash: Hash) throws {
        do {
            let stores = try homes.map { try NodeStore.open(dataDirectory: $0 + "/data", genesisHash: genesisHash) }
            defer { stores.forEach { $0.close() } }
            commonHeight = try stores.map { try $0.blocks.latestHeight() }.min() ?? 0
            blockProblems = try stores.map { try $0.blocks.verifyBlocks().count }
        }
        // `ratify check history`'s comparison: block hash and app hash at every shared height.
        let histories = try homes.map { try NodeHistory.load(home: NodeHome($0)) }
        disagreements = HistoryCheck.check(histories).disagreements.map(\.height)
    }
}
