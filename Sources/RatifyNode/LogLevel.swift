/// `log_level` in config.toml: swift-log's level names.
public enum LogLevel: String, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical

    /// A level as config.toml or `--log-level` spells it: swift-log's names, and `warn` for
    /// `warning` as CometBFT and most loggers write it.
    public init?(named name: String) {
        self.init(rawValue: name == "warn" ? LogLevel.warning.rawValue : name)
    }
}
