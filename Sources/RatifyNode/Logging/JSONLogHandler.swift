import Foundation
import Logging
import RatifyCore
import Synchronization

/// A swift-log handler for `[log] format = "json"`: one JSON object per line on stderr, with
/// the fields of the text format (`time`, `level`, `label`, `source`, `msg`), then the event's
/// metadata, each value as a string (log shippers index them without a schema).
public struct JSONLogHandler: LogHandler {
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

    /// The fixed fields first, then metadata keys in sorted order (stable lines diff cleanly).
    /// A metadata key equal to a fixed field's name is kept under `meta.KEY`.
    static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                     metadata: Logger.Metadata) -> String {
        let fixed = ["time", "level", "label", "source", "msg"]
        var fields = [("time", time(millis: timeMillis)), ("level", level.rawValue), ("label", label), ("source", source),
                      ("msg", message)]
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            fields.append((fixed.contains(key) ? "meta." + key : key, "\(value)"))
        }
        return "{" + fields.map { JSONWriter.quoted($0.0) + ":" + JSONWriter.quoted($0.1) }.joined(separator: ",") + "}\n"
    }

    /// RFC 3339 UTC, to the millisecond.
    static func time(millis: Double) -> String {
        let whole = Int64(exactly: millis.rounded(.down)) ?? 0
        let (seconds, rest) = whole.quotientAndRemainder(dividingBy: 1_000)
        return GenesisTime(unixSeconds: seconds, nanos: UInt32(clamping: max(0, rest) * 1_000_000))?.description ?? "\(whole)"
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
