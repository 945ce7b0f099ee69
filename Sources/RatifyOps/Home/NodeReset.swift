import RatifyCore
import RatifyNode
import RatifyStore

/// `ratify reset` (CometBFT's `unsafe-reset-all`) for a stopped node: its blocks, ledger state
/// and WAL go, its config, keys and signer state stay (`NodeStore.resetChain`). A running
/// node holds the data directory's lock, so the store refuses to open.
public enum NodeReset {
    public static func run(home: NodeHome) throws -> NodeStore.ResetSummary {
        let genesis: Genesis
        do { genesis = try home.loadGenesis() } catch { throw NodeStartError("\(error)") }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        return try store.resetChain()
    }

    /// One line for the operator: what went, what stayed.
    public static func text(home: NodeHome, _ summary: NodeStore.ResetSummary) -> String {
        let signer = summary.signerKept.map {
            "the signer state (last signed height \($0.height), round \($0.round), \($0.step)) is kept, so it will not sign at or below it"
        } ?? "this node never signed"
        return "\(home.root): deleted \(summary.latestHeightBefore) block(s), the ledger state and the WAL; config and keys are kept; \(signer); the node starts again from genesis"
    }
}
