/// `[log] format` in config.toml: how log lines are written to stderr.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's `StreamLogHandler`: one human-readable line per event.
    case text
    /// `JSONLogHandler`: one JSON object per line, with the same fields.
    case json
}
