import RatifyCore
import RatifyNet

/// `[p2p]` in config.toml: where the node listens, whom it dials, whom it always or only
/// accepts, and the limits that keep one peer or one host from exhausting it. Key names and
/// meanings follow CometBFT's `[p2p]` where it has one; docs/NETWORK.md ("Limits") lists them.
public struct P2PConfig: Hashable, Sendable {
    /// TCP gossip listener (`tcp://HOST:PORT`).
    public var listenAddress = HostPort(host: "0.0.0.0", port: 26656)
    /// Peers dialled at start and redialled when lost; reserved like `unconditionalPeerIDs`.
    public var persistentPeers: [PeerAddress] = []
    /// UDP vote listener (`udp://HOST:PORT`); may share the TCP port number.
    public var udpListenAddress = HostPort(host: "0.0.0.0", port: 26656)
    /// Inbound connections accepted; at most `maxPeers`.
    public var maxInboundPeers: UInt64 = 40
    /// All connections, inbound and outbound.
    public var maxPeers: UInt64 = 50
    /// Node ids always accepted, beyond the peer limits, per-IP limits and address bans
    /// (CometBFT's `unconditional_peer_ids`): validators and sentries.
    public var unconditionalPeerIDs: [Address] = []
    /// Node ids of peers kept private, such as the validator behind a sentry. Ratify has no
    /// address exchange, so no peer's address is ever passed on; a private peer is reserved
    /// like an unconditional one, so its sentry always has room for it.
    public var privatePeerIDs: [Address] = []
    /// With `allowlistOnly`: node ids accepted besides persistent, unconditional and private peers.
    public var allowedPeerIDs: [Address] = []
    /// Sessions only with persistent, unconditional, private and allowed peers: a validator
    /// that talks to its sentries only.
    public var allowlistOnly = false
    /// Inbound connections in their handshake, in total and from one IP address.
    public var maxPendingHandshakes: UInt64 = 32
    public var maxPendingHandshakesPerIP: UInt64 = 8
    /// Inbound sessions from one IP address, reserved peers not counted.
    public var maxInboundPeersPerIP: UInt64 = 8
    /// A connection must send its hello within `helloTimeoutMillis` and finish the handshake
    /// within `handshakeTimeoutMillis`.
    public var helloTimeoutMillis: UInt64 = 2_000
    public var handshakeTimeoutMillis: UInt64 = 5_000
    /// How long a misbehaving node key, and other keys from its IP address, are refused.
    public var banDurationMillis: UInt64 = 10_000
    /// Bytes per second sent to and received from one peer (CometBFT's `send_rate`/`recv_rate`).
    public var sendRate: UInt64 = 32 * 1024 * 1024
    public var recvRate: UInt64 = 32 * 1024 * 1024
    /// Bytes queued towards one peer, and towards all peers, before a peer is dropped as too slow.
    public var maxSendQueueBytes: UInt64 = 32 * 1024 * 1024
    public var maxSendQueueBytesTotal: UInt64 = 256 * 1024 * 1024

    public init() {}

    /// The least `send_rate`/`recv_rate`: one largest frame per second.
    public static let rateMin = UInt64(NetLimits.frameBytesMax)
    /// The least `max_send_queue_bytes`: a largest block (sent in parts) and one more frame.
    public static let sendQueueBytesMin = UInt64(CodecLimits.blockBytesMax + NetLimits.frameBytesMax)
    /// The longest `ban_duration_ms`, `hello_timeout_ms` and `handshake_timeout_ms`: one day.
    public static let millisMax: UInt64 = 86_400_000

    /// The peer manager's config for this section: listeners, persistent peers and limits, the
    /// same for every kind of node. Values were checked by `NodeConfig.validate`.
    public func netConfig(chainID: String, nodeKey: KeyPair) -> NetConfig {
        var net = NetConfig(chainID: chainID, nodeKey: nodeKey)
        net.listenHost = listenAddress.host
        net.listenPort = Int(listenAddress.port)
        net.udpListenHost = udpListenAddress.host
        net.udpListenPort = Int(udpListenAddress.port)
        net.persistentPeers = persistentPeers
        net.maxInboundPeers = Int(clamping: maxInboundPeers)
        net.maxPeers = Int(clamping: max(maxPeers, 1))
        net.jitterSeed = UInt64(truncatingIfNeeded: nodeKey.publicKey.raw.hashValue)
        applyLimits(to: &net)
        return net
    }

    /// The limits and peer lists of this section onto the peer manager's config.
    func applyLimits(to net: inout NetConfig) {
        net.unconditionalPeers = Set(unconditionalPeerIDs + privatePeerIDs)
        net.allowedPeers = Set(allowedPeerIDs)
        net.allowlistOnly = allowlistOnly
        net.maxPendingHandshakes = Int(clamping: max(maxPendingHandshakes, 1))
        net.maxPendingHandshakesPerIP = Int(clamping: max(maxPendingHandshakesPerIP, 1))
        net.maxInboundPeersPerIP = Int(clamping: maxInboundPeersPerIP)
        net.helloTimeoutMillis = Int64(clamping: min(max(helloTimeoutMillis, 1), Self.millisMax))
        net.handshakeTimeoutMillis = Int64(clamping: min(max(handshakeTimeoutMillis, 1), Self.millisMax))
        net.misbehaviourBackoffMillis = Int64(clamping: min(banDurationMillis, Self.millisMax))
        net.sendBytesPerSecond = Double(max(sendRate, Self.rateMin))
        net.inboundBytesPerSecond = Double(max(recvRate, Self.rateMin))
        net.sendQueueBytesMax = Int(clamping: max(maxSendQueueBytes, Self.sendQueueBytesMin))
        net.sendQueueBytesTotalMax = Int(clamping: max(maxSendQueueBytesTotal, maxSendQueueBytes, Self.sendQueueBytesMin))
    }
}

extension P2PConfig {
    /// Rules across `[p2p]` keys; `fail` builds the error for a key under `p2p.`.
    func validate(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        for (key, value) in [("max_pending_handshakes", maxPendingHandshakes),
                             ("max_pending_handshakes_per_ip", maxPendingHandshakesPerIP),
                             ("hello_timeout_ms", helloTimeoutMillis), ("handshake_timeout_ms", handshakeTimeoutMillis)]
        where value < 1 {
            throw fail("p2p.\(key)", "expected at least 1, got 0")
        }
        if maxPendingHandshakesPerIP > maxPendingHandshakes {
            throw fail("p2p.max_pending_handshakes_per_ip",
                       "\(maxPendingHandshakesPerIP) exceeds p2p.max_pending_handshakes \(maxPendingHandshakes)")
        }
        for (key, value) in [("hello_timeout_ms", helloTimeoutMillis), ("handshake_timeout_ms", handshakeTimeoutMillis),
                             ("ban_duration_ms", banDurationMillis)] where value > Self.millisMax {
            throw fail("p2p.\(key)", "expected at most \(Self.millisMax) (one day), got \(value)")
        }
        if helloTimeoutMillis > handshakeTimeoutMillis {
            throw fail("p2p.hello_timeout_ms", "\(helloTimeoutMillis) exceeds p2p.handshake_timeout_ms \(handshakeTimeoutMillis)")
        }
        for (key, value) in [("send_rate", sendRate), ("recv_rate", recvRate)] where value < Self.rateMin {
            throw fail("p2p.\(key)", "expected at least \(Self.rateMin) bytes per second (one largest frame), got \(value)")
        }
        if maxSendQueueBytes < Self.sendQueueBytesMin {
            throw fail("p2p.max_send_queue_bytes",
                       "expected at least \(Self.sendQueueBytesMin) (a largest block and a frame), got \(maxSendQueueBytes)")
        }
        if maxSendQueueBytesTotal < maxSendQueueBytes {
            throw fail("p2p.max_send_queue_bytes_total",
                       "\(maxSendQueueBytesTotal) is less than p2p.max_send_queue_bytes \(maxSendQueueBytes)")
        }
        if allowlistOnly, allowedPeerIDs.isEmpty, persistentPeers.isEmpty, unconditionalPeerIDs.isEmpty, privatePeerIDs.isEmpty {
            throw fail("p2p.allowlist_only", "true but no peer is allowed; list the sentries in p2p.allowed_peer_ids or p2p.persistent_peers")
        }
    }
}
