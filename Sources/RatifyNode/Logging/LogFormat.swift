/// `[log] format` in config.toml: how log lines are written to stderr.
public enum LogFormat: String, CaseIterable, Sendable {
    /// `TextLogHandler`: one human-readable line per event (swift-log's, with millisecond UTC times).
    case text
    /// `JSONLogHandler`: one JSON object per line, with the same fields.
    case json
}
