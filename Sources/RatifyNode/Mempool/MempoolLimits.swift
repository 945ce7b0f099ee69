/// The mempool's bounds, from `[mempool]` in config.toml. Hitting the per-sender cap is an
/// error returned to the submitter; hitting the pool's count or bytes evicts lower-fee
/// transactions for one that pays more, and refuses otherwise.
public struct MempoolLimits: Hashable, Sendable {
    /// Transactions held in total.
    public var countMax: Int
    /// Encoded bytes held in total.
    public var bytesMax: Int
    /// Transactions held per sender.
    public var perSenderCountMax: Int

    public init(countMax: Int, bytesMax: Int, perSenderCountMax: Int) {
        precondition(countMax > 0 && bytesMax > 0 && perSenderCountMax > 0, "mempool limits must be positive")
        self.countMax = countMax
        self.bytesMax = bytesMax
        self.perSenderCountMax = perSenderCountMax
    }

    public init(_ config: MempoolConfig) {
        self.init(countMax: Int(clamping: max(config.size, 1)), bytesMax: Int(clamping: max(config.maxTxsBytes, 1)),
                  perSenderCountMax: Int(clamping: max(config.maxTxsPerSender, 1)))
    }
}
