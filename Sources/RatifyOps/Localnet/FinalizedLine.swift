import RatifyNode

/// A node's "finalized" log line, read back by the localnet supervisor and tests:
/// `... height=12 interval_ms=1003 latency_ms=45.2 round=0 ... txs=3 [RatifyNode] finalized`.
public struct FinalizedLine: Sendable, Equatable {
    public var height: UInt64
    public var round: UInt32
    public var transactions: Int
    public var latencyMillis: Double
    public var blockHash: String
    /// The first bytes of the app hash after the block (`app_hash`), if the line has it.
    public var appHash: String?
    /// The block's store transaction (`store_ms`), if the line has it.
    public var storeMillis: Double?
    /// The per-step breakdown, on a validator's lines for heights it decided in round 0.
    public var steps: HeightSteps?

    /// Nil for any line that is not a well-formed finalized line.
    public init?(_ line: Substring) {
        guard line.hasSuffix("finalized") else { return nil }
        var fields: [Substring: Substring] = [:]
        for token in line.split(separator: " ") {
            guard let equals = token.firstIndex(of: "=") else { continue }
            fields[token[..<equals]] = token[token.index(after: equals)...]
        }
        guard let height = fields["height"].flatMap({ UInt64($0) }), let round = fields["round"].flatMap({ UInt32($0) }),
              let transactions = fields["txs"].flatMap({ Int($0) }), let latency = fields["latency_ms"].flatMap({ Double($0) }),
              let hash = fields["hash"] else { return nil }
        self.height = height
        self.round = round
        self.transactions = transactions
        self.latencyMillis = latency
        self.blockHash = String(hash)
        self.appHash = fields["app_hash"].map(String.init)
        self.storeMillis = fields["store_ms"].flatMap { Double($0) }
        self.steps = HeightSteps(fields: fields)
    }
}
