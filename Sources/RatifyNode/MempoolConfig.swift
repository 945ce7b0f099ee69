/// `[mempool]` in config.toml. Both limits bound memory; a full pool rejects, never grows.
public struct MempoolConfig: Hashable, Sendable {
    /// Transactions held in total.
    public var size: UInt64 = 5_000
    /// Transactions held per sender, so one account cannot fill the pool; at most `size`.
    public var maxTxsPerSender: UInt64 = 100
    /// Encoded bytes held in total (CometBFT's `max_txs_bytes`).
    public var maxTxsBytes: UInt64 = 64 * 1024 * 1024

    public init() {}
}
