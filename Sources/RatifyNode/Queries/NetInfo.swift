import RatifyNet

/// The node's p2p sockets and connected peers (`GET /net_info`).
public struct NetInfo: Sendable, Equatable {
    /// Bound p2p sockets as `tcp://host:port` and `udp://host:port`.
    public var listeners: [String]
    /// Sorted by node id.
    public var peers: [PeerInfo]

    public init(listeners: [String], peers: [PeerInfo]) {
        self.listeners = listeners
        self.peers = peers
    }

    /// The live answer of a peer manager.
    static func of(_ peers: PeerManager) -> @Sendable () async -> NetInfo {
        { NetInfo(listeners: peers.listeners, peers: peers.peerInfos()) }
    }
}
