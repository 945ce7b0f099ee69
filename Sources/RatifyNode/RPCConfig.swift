import RatifyCore

/// `[rpc]` in config.toml. Loopback by default: the RPC server has no authentication.
/// Limits follow CometBFT's `[rpc]` keys where it has one.
public struct RPCConfig: Hashable, Sendable {
    /// HTTP JSON-RPC listener (`tcp://HOST:PORT`).
    public var listenAddress = HostPort(host: "127.0.0.1", port: 26657)
    /// Open connections; more are closed on accept.
    public var maxOpenConnections: UInt64 = 900
    /// Request body bytes; larger requests get 413.
    public var maxBodyBytes: UInt64 = 1_000_000
    /// Request header bytes; more get 431.
    public var maxHeaderBytes: UInt64 = 64 * 1024
    /// A connection must deliver a complete request within this time.
    public var readTimeoutMillis: UInt64 = 10_000
    /// How long `POST /tx?wait=final` waits before answering 504.
    public var timeoutBroadcastTxCommitMillis: UInt64 = 10_000
    /// `GET /health` answers 503 when the latest block is older than this. Generous: the
    /// heartbeat makes blocks on an idle chain, so only a stalled or lagging node gets there.
    public var healthMaxBlockAgeMillis: UInt64 = 60_000

    public init() {}

    /// The HTTP server's limits from these keys (each at least 1, checked by `NodeConfig.validate`).
    public var httpLimits: HTTPServerLimits {
        HTTPServerLimits(bodyBytesMax: Int(clamping: max(maxBodyBytes, 1)), headerBytesMax: Int(clamping: max(maxHeaderBytes, 1)),
                         connectionsMax: Int(clamping: max(maxOpenConnections, 1)),
                         readTimeoutMillis: Int64(clamping: max(readTimeoutMillis, 1)))
    }
}
