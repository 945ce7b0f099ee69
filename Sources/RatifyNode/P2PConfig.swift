import RatifyCore

/// `[p2p]` in config.toml: where the node listens and whom it dials.
public struct P2PConfig: Hashable, Sendable {
    /// TCP gossip listener (`tcp://HOST:PORT`).
    public var listenAddress = HostPort(host: "0.0.0.0", port: 26656)
    /// Peers dialled at start and redialled when lost.
    public var persistentPeers: [PeerAddress] = []
    /// UDP vote listener (`udp://HOST:PORT`); may share the TCP port number.
    public var udpListenAddress = HostPort(host: "0.0.0.0", port: 26656)
    /// Inbound connections accepted; at most `maxPeers`.
    public var maxInboundPeers: UInt64 = 40
    /// All connections, inbound and outbound.
    public var maxPeers: UInt64 = 50

    public init() {}
}
