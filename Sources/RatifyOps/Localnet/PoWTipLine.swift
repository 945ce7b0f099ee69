import RatifyNode

/// A proof-of-work node's "new tip" log line, read back by the localnet supervisor and tests:
/// `... final_height=6 hash=0000... height=12 interval_ms=1403 miner=... txs=3 [RatifyNode] new tip`,
/// with `reorg_depth=N` when the new tip replaced N blocks of the old chain.
public struct PoWTipLine: Sendable, Equatable {
    public var height: UInt64
    public var blockHash: String
    public var transactions: Int
    public var intervalMillis: Double
    public var finalHeight: UInt64
    /// 0 when the new tip extends the old one.
    public var reorgDepth: Int

    /// Nil for any line that is not a well-formed new-tip line.
    public init?(_ line: Substring) {
        guard line.hasSuffix("new tip") else { return nil }
        var fields: [Substring: Substring] = [:]
        for token in line.split(separator: " ") {
            guard let equals = token.firstIndex(of: "=") else { continue }
            fields[token[..<equals]] = token[token.index(after: equals)...]
        }
        guard let height = fields["height"].flatMap({ UInt64($0) }), let hash = fields["hash"],
              let transactions = fields["txs"].flatMap({ Int($0) }), let interval = fields["interval_ms"].flatMap({ Double($0) }),
              let finalHeight = fields["final_height"].flatMap({ UInt64($0) }) else { return nil }
        self.height = height
        self.blockHash = String(hash)
        self.transactions = transactions
        self.intervalMillis = interval
        self.finalHeight = finalHeight
        self.reorgDepth = fields["reorg_depth"].flatMap { Int($0) } ?? 0
    }
}
