import Foundation
import Logging

/// How one log line is rendered: `[log] format`'s text or JSON (`TextLogLine`, `JSONLogLine`).
public protocol LogLineFormat: Sendable {
    static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                     metadata: Logger.Metadata) -> String
}

/// A swift-log handler writing one line per event in `Format`, with this handler's metadata,
/// the metadata provider's and the event's merged (the event's win).
public struct LineLogHandler<Format: LogLineFormat>: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// `write` receives each line, newline included (stderr unless a test captures it).
    public init(label: String, write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
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

    public static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                            metadata: Logger.Metadata) -> String {
        Format.line(timeMillis: timeMillis, level: level, label: label, source: source, message: message, metadata: metadata)
    }

    public static var standardError: @Sendable (String) -> Void {
        { line in FileHandle.standardError.write(Data(line.utf8)) }
    }
}

/// `[log] format = "text"`.
public typealias TextLogHandler = LineLogHandler<TextLogLine>
/// `[log] format = "json"`.
public typealias JSONLogHandler = LineLogHandler<JSONLogLine>
