import RatifyCore

/// `[instrumentation]` in config.toml.
public struct InstrumentationConfig: Hashable, Sendable {
    /// Prometheus scrape endpoint (`HOST:PORT`, no scheme, as in CometBFT).
    public var prometheusListenAddress = HostPort(host: "127.0.0.1", port: 26660)

    public init() {}
}
