import RatifyNode
import Foundation
import RatifyCore

extension HistoryCheck {
    /// Reads the stopped nodes' stores in `homes` and the acknowledged file, then checks.
    public static func run(homes: [String], acknowledgedFile: String?) throws -> Report {
        var acknowledged: [Acknowledged] = []
        if let acknowledgedFile {
            let text: String
            do { text = try String(contentsOfFile: acknowledgedFile, encoding: .utf8) } catch {
                throw NodeStartError("\(acknowledgedFile): cannot read the acknowledged transactions: \(error.localizedDescription)")
            }
            acknowledged = try parseAcknowledged(text, file: acknowledgedFile)
        }
        let histories = try homes.map { try NodeHistory.load(home: NodeHome($0)) }
        return check(histories, acknowledged: acknowledged)
    }

    /// One `HASH HEIGHT` line per acknowledged transaction, as `parseAcknowledged` reads.
    public static func acknowledgedText(_ acknowledged: [Acknowledged]) -> String {
        acknowledged.map { item in item.height.map { "\(item.hash.hex) \($0)" } ?? item.hash.hex }.joined(separator: "\n") + "\n"
    }
}

extension HistoryCheck.Report {
    /// The report as pretty-printed JSON (keys sorted, so runs diff cleanly).
    public var json: String { ReportJSON.text(self) }
}
