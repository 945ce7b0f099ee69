import Foundation
import Logging
import RatifyCore

/// A swift-log handler for `[log] format = "text"`: swift-log's `StreamLogHandler` line
/// (`TIME LEVEL LABEL: key=value ... [SOURCE] MESSAGE`, metadata keys sorted) with the time in
/// UTC to the millisecond, as the JSON format has it: rounds and timeouts happen milliseconds apart.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// `write` receives each line, newline included (stderr unless a test captures it).
    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        write(Self.line(timeMillis: Date().timeIntervalSince1970 * 1_000, level: level, label: label, source: source,
                        message: "\(message)", metadata: merged))
    }

    static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                     metadata: Logger.Metadata) -> String {
        let pairs = metadata.keys.sorted().compactMap { key in metadata[key].map { " \(key)=\($0)" } }.joined()
        return "\(time(millis: timeMillis)) \(level) \(label):\(pairs) [\(source)] \(message)\n"
    }

    /// RFC 3339 UTC with exactly three fractional digits, so lines align and sort as text.
    static func time(millis: Double) -> String {
        let whole = Int64(exactly: millis.rounded(.down)) ?? 0
        let (seconds, rest) = whole.quotientAndRemainder(dividingBy: 1_000)
        guard let second = GenesisTime(unixSeconds: seconds)?.description, second.hasSuffix("Z") else { return "\(whole)" }
        let digits = String(max(0, rest))
        return second.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
