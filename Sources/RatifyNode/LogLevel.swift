/// `log_level` in config.toml: swift-log's level names.
public enum LogLevel: String, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical
}
