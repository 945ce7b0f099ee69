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

    /// `ratify reset --json`: `signer_kept` is null when this node never signed.
    public static func json(home: NodeHome, _ summary: NodeStore.ResetSummary) -> JSONValue {
        let signer = summary.signerKept.map { position in
            JSONValue.object([
                JSONValue.Member("height", .number(String(position.height))),
                JSONValue.Member("round", .number(String(position.round))),
                JSONValue.Member("step", .string("\(position.step)")),
            ])
        } ?? .null
        return .object([
            JSONValue.Member("home", .string(home.root)),
            JSONValue.Member("deleted_blocks", .number(String(summary.latestHeightBefore))),
            JSONValue.Member("signer_kept", signer),
        ])
    }
}
