import NIOCore
import RatifyCore

/// One connected peer as the operator sees it (`GET /net_info`): who, which way, from where,
/// for how long and how many bytes each way, TCP frames and UDP datagrams together.
public struct PeerInfo: Sendable, Equatable {
    public var nodeID: NodeID
    /// True when this node dialed the peer (`Handshake.Role.dialer`), false when it accepted.
    public var outbound: Bool
    /// The peer's TCP address as `host:port`, nil when the socket no longer reports it.
    public var remoteAddress: String?
    public var connectedForMillis: UInt64
    /// Framed bytes (header and tag included) written and read, and sealed datagram bytes.
    public var bytesSent: Int
    public var bytesReceived: Int
    /// Bytes handed to the session and not yet written (`PeerSession.queuedBytes`).
    public var queuedBytes: Int
    /// Whether the peer is one of `NetConfig.persistentPeers` (dialed again when lost).
    public var persistent: Bool

    public init(nodeID: NodeID, outbound: Bool, remoteAddress: String?, connectedForMillis: UInt64, bytesSent: Int,
                bytesReceived: Int, queuedBytes: Int, persistent: Bool) {
        self.nodeID = nodeID
        self.outbound = outbound
        self.remoteAddress = remoteAddress
        self.connectedForMillis = connectedForMillis
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
        self.queuedBytes = queuedBytes
        self.persistent = persistent
    }
}

extension PeerManager {
    /// The connected peers, sorted by node id.
    public func peerInfos() -> [PeerInfo] {
        let sessions = state.withLock { Array($0.sessions.values) }
        let persistent = Set(config.persistentPeers.map(\.nodeID))
        let now = NIODeadline.now().uptimeNanoseconds
        return sessions.sorted { $0.nodeID < $1.nodeID }.map { session in
            PeerInfo(nodeID: session.nodeID, outbound: session.role == .dialer,
                     remoteAddress: session.remoteAddress.flatMap(PeerInfo.hostPort),
                     connectedForMillis: (now &- session.startedNanos) / 1_000_000,
                     bytesSent: session.bytesSent.load(ordering: .relaxed),
                     bytesReceived: session.bytesReceived.load(ordering: .relaxed),
                     queuedBytes: session.queuedBytes, persistent: persistent.contains(session.nodeID))
        }
    }

    /// The bound p2p sockets as `tcp://host:port` and `udp://host:port`.
    public var listeners: [String] {
        let (tcp, udp) = state.withLock { ($0.serverChannel?.localAddress, $0.udpChannel?.localAddress) }
        return [tcp.flatMap(PeerInfo.hostPort).map { "tcp://\($0)" }, udp.flatMap(PeerInfo.hostPort).map { "udp://\($0)" }]
            .compactMap { $0 }
    }
}

extension PeerInfo {
    /// `host:port`, IPv6 hosts in brackets; nil for a socket address without both.
    static func hostPort(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
