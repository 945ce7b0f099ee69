import RatifyCore

/// `[statesync]`: joining a chain from a verified snapshot instead of replaying every block
/// (docs/STATESYNC.md). Used only when the node's store is empty.
public struct StateSyncConfig: Hashable, Sendable {
    public var enable = false
    /// RPC servers of nodes on the chain (at least 2, as CometBFT asks): light blocks and
    /// snapshot chunks are fetched from them, spread over all that offer the snapshot.
    public var rpcServers: [HostPort] = []
    /// A height and its block hash the operator trusts (from a node they trust, or
    /// `ratify init --state-sync-from`); the light client verifies forward from it.
    public var trustHeight: UInt64 = 0
    public var trustHash: Hash?

    public init() {}

    static let keys = ["enable", "rpc_servers", "trust_height", "trust_hash"]

    func validate(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        guard enable else { return }
        if rpcServers.count < 2 {
            throw fail("statesync.rpc_servers", "expected at least 2 RPC servers (host:port, comma-separated) to cross-check, got \(rpcServers.count)")
        }
        if trustHeight == 0 { throw fail("statesync.trust_height", "expected the trusted height (1 or more) when enable = true") }
        if trustHash == nil { throw fail("statesync.trust_hash", "expected the trusted block's hash (64 hex digits) when enable = true") }
    }
}
