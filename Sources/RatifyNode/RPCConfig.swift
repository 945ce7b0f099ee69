/// `[rpc]` in config.toml. Loopback by default: the RPC server has no authentication.
public struct RPCConfig: Hashable, Sendable {
    /// HTTP JSON-RPC listener (`tcp://HOST:PORT`).
    public var listenAddress = HostPort(host: "127.0.0.1", port: 26657)

    public init() {}
}
