import RatifyCore

/// A peer to dial: its node id (the address of its node key, checked in the handshake) and where
/// it listens. The node parses these from config.toml's `persistent_peers` (RatifyNode's
/// `PeerAddress.parseList`); this module only connects to them.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var nodeID: NodeID
    public var host: String
    public var port: Int

    public init(nodeID: NodeID, host: String, port: Int) {
        self.nodeID = nodeID
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "\(nodeID.hex)@[\(host)]:\(port)" : "\(nodeID.hex)@\(host):\(port)"
    }
}
