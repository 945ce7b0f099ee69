/// A hybrid node's log line for one step of a checkpoint's finality (docs/POW.md, "Finality,
/// step by step"), read back by the benchmarks:
/// `... epoch=5 hash=0000... height=20 since_block_ms=812 [RatifyNode] checkpoint justified`.
/// `since_block_ms` is how long after the node first held the checkpoint's block the step came.
public struct CheckpointLine: Sendable, Equatable {
    /// The steps in the order a checkpoint goes through them; the raw value ends the line.
    public enum Step: String, Sendable, CaseIterable, Codable {
        case voteSigned = "checkpoint vote signed"
        case supermajority = "checkpoint votes reached 2/3"
        case justified = "checkpoint justified"
        case finalized = "checkpoint finalized"
    }

    public var step: Step
    public var epoch: UInt64
    public var blockHash: String
    /// Nil when the node did not time the block (it held it before a restart).
    public var sinceBlockMillis: Double?

    /// Nil for any line that is not a well-formed checkpoint step line.
    public init?(_ line: Substring) {
        guard let step = Step.allCases.first(where: { line.hasSuffix($0.rawValue) }) else { return nil }
        var fields: [Substring: Substring] = [:]
        for token in line.split(separator: " ") {
            guard let equals = token.firstIndex(of: "=") else { continue }
            fields[token[..<equals]] = token[token.index(after: equals)...]
        }
        guard let epoch = fields["epoch"].flatMap({ UInt64($0) }), let hash = fields["hash"] else { return nil }
        self.step = step
        self.epoch = epoch
        self.blockHash = String(hash)
        self.sinceBlockMillis = fields["since_block_ms"].flatMap { Double($0) }
    }
}
