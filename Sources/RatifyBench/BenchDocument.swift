import Foundation

/// What `--json` writes: one run, a saturation search, or a sweep over validator counts.
/// `schema` names this layout and changes whenever a field changes meaning.
public struct BenchDocument: Sendable, Codable, Equatable {
    public static let schemaName = "ratify.bench.finality/v1"

    public struct Saturation: Sendable, Codable, Equatable {
        public var p99BoundMillis: Double
        /// The highest measured rate at which the run was sustainable; nil if none was.
        public var sustainableRateTxPerSecond: Double?
        /// Why the lowest unsustainable rate measured was not sustainable (or that the ladder
        /// reached its top).
        public var stoppedBecause: String

        enum CodingKeys: String, CodingKey {
            case p99BoundMillis = "p99_bound_ms", sustainableRateTxPerSecond = "sustainable_rate_tx_per_s"
            case stoppedBecause = "stopped_because"
        }
    }

    public var schema: String
    /// `single`, `saturate` or `sweep`.
    public var mode: String
    public var command: String
    public var runs: [BenchReport]
    public var saturation: Saturation?

    public init(mode: String, command: String, runs: [BenchReport], saturation: Saturation? = nil) {
        self.schema = Self.schemaName
        self.mode = mode
        self.command = command
        self.runs = runs
        self.saturation = saturation
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> BenchDocument {
        try JSONDecoder().decode(BenchDocument.self, from: data)
    }
}
