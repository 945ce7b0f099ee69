import RatifyNode
import Foundation

/// The JSON of the reliability reports (`ratify check history`, `ratify chaos`): pretty,
/// keys sorted and in snake_case, so runs diff cleanly and read like the RPC's answers.
public enum ReportJSON {
    public static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            return "{\"error\": \"cannot encode the report: \(error)\"}"
        }
    }
}
