import RatifyCore
import RatifyLedger
import RatifyNode
import RatifyStore

/// `ratify rollback` (CometBFT's `rollback`) for a stopped PoS node: undoes the state its
/// latest block H produced, so the node re-executes block H when it next starts
/// (`ProofOfStakeEngine.recover`). The store keeps no per-height state, so the state after H - 1
/// is recomputed by replaying blocks 1 to H - 1 from genesis, and must hash to the stored app
/// hash of H - 1 before anything is changed. Block H, its commit and the signer state stay.
public enum NodeRollback {
    public static func run(home: NodeHome) throws -> NodeStore.RollbackSummary {
        let genesis: Genesis
        do { genesis = try home.loadGenesis() } catch { throw NodeStartError("\(error)") }
        guard genesis.mode == .pos else {
            throw NodeStartError("\(home.genesisFile): rollback undoes a proof-of-stake height; this chain's mode is \(genesis.mode)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        let path = store.environment.path
        let latest = try store.blocks.latestHeight()
        guard latest > 0, let last = try store.blocks.block(height: latest) else {
            throw NodeStartError("\(path): no block is stored; there is nothing to roll back")
        }
        let earliest = try store.blocks.earliestHeight()
        guard earliest == BlockStore.heightFirst else {
            throw NodeStartError("\(path): blocks below \(earliest) are pruned ([storage] retain_blocks), and rollback recomputes the state by replaying every block from genesis; nothing was changed")
        }
        var ledger = Ledger.genesis(genesis)
        var chain = try ChainState.genesis(genesis, ledger: ledger)
        // The state database after height h is every block's writes up to h, applied in order.
        var entries: [[UInt8]: [UInt8]] = [:]
        for height in stride(from: Height(1), to: latest, by: 1) {
            guard let block = try store.blocks.block(height: height) else {
                throw NodeStartError("\(path): block \(height) is missing; cannot recompute the state before \(latest)")
            }
            let executed = try BlockExecutor.execute(block, state: chain, ledger: &ledger)
            for write in executed.writes { entries[write.key] = write.value }
            chain = executed.nextState
        }
        let previousState = entries.map { (key: $0.key, value: $0.value) }
        // What is about to be written must be what the node would have stored after H - 1.
        if latest > 1 {
            let replayed = try? LedgerState.load(from: previousState)
            guard let replayed, replayed.height == latest - 1, let stored = try store.state.appHash(height: latest - 1),
                  stored == replayed.appHash, stored == chain.appHash else {
                throw NodeStartError("\(path): replaying blocks 1 to \(latest - 1) does not reproduce the stored app hash of \(latest - 1); nothing was changed")
            }
        }
        return try store.rollbackLatest(previousState: previousState, transactionsOfLatest: last.transactions.map(\.hash),
                                        expectedBlockHash: last.id.hash)
    }

    public static func text(home: NodeHome, _ summary: NodeStore.RollbackSummary) -> String {
        "\(home.root): rolled back the state of height \(summary.height); the node re-executes block \(summary.height) (\(summary.blockHash.hex)) when it starts; the block, its commit, config, keys and the signer state are kept"
    }

    /// `ratify rollback --json`: the height whose state was undone and its block, kept for re-execution.
    public static func json(home: NodeHome, _ summary: NodeStore.RollbackSummary) -> JSONValue {
        .object([
            JSONValue.Member("home", .string(home.root)),
            JSONValue.Member("height", .number(String(summary.height))),
            JSONValue.Member("block_hash", .string(summary.blockHash.hex)),
        ])
    }
}
