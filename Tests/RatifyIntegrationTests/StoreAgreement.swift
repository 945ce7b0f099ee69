import RatifyCore
import RatifyStore

/// What the stores of stopped nodes say about each other: every height all of them hold must
/// have one block hash and one app hash (the ledger is deterministic).
struct StoreAgreement {
    /// The highest height every store holds.
    var commonHeight: UInt64
    /// Heights up to `commonHeight` where the stores hold different blocks or app hashes.
    var disagreements: [UInt64]
    /// Per store, the problems `verifyBlocks` found.
    var blockProblems: [Int]

    /// Opens each home's `data/` (the nodes must be stopped) and compares them.
    init(homes: [String], genesisHash: Hash) throws {
        let stores = try homes.map { try NodeStore.open(dataDirectory: $0 + "/data", genesisHash: genesisHash) }
        defer { stores.forEach { $0.close() } }
        commonHeight = try stores.map { try $0.blocks.latestHeight() }.min() ?? 0
        disagreements = []
        for height in stride(from: 1, through: commonHeight, by: 1) {
            let hashes = try Set(stores.map { try $0.blocks.blockHash(height: height) })
            let appHashes = try Set(stores.map { try $0.state.appHash(height: height) })
            if hashes.count != 1 || appHashes.count != 1 { disagreements.append(height) }
        }
        blockProblems = try stores.map { try $0.blocks.verifyBlocks().count }
    }
}
