import RatifyCore

/// Why a handshake failed. Each case reads as one line naming what is wrong.
public enum HandshakeError: Error, Equatable, Sendable, CustomStringConvertible {
    case foreignChain(expected: String, got: String)
    /// The peer speaks another version of the peer protocol (`HandshakeHello.protocolVersion`).
    case protocolVersion(ours: UInt16, peer: UInt16)
    case wrongNodeID(dialed: NodeID, presented: NodeID)
    case badSignature(peer: NodeID)
    case selfConnection
    case lowOrderKey
    case malformed(String)
    case unexpectedMessage(String)
    case timeout(millis: Int64)
    /// The peer sent no hello within the hello deadline (a silent socket).
    case helloTimeout(millis: Int64)
    /// Closed before its hello to make room for a newer connection under the pending limits.
    case evicted
    case closedEarly

    public var description: String {
        switch self {
        case .foreignChain(let expected, let got): "handshake failed: peer is on chain '\(got)', this node is on '\(expected)'"
        case .protocolVersion(let ours, let peer):
            "handshake failed: peer speaks protocol version \(peer), this node \(ours); every node of a chain must run the same version"
        case .wrongNodeID(let dialed, let presented): "handshake failed: dialed node \(dialed) but the peer is \(presented)"
        case .badSignature(let peer): "handshake failed: invalid transcript signature from node \(peer)"
        case .selfConnection: "handshake failed: connected to itself (same node key)"
        case .lowOrderKey: "handshake failed: peer's ephemeral key gives no shared secret"
        case .malformed(let reason): "handshake failed: malformed handshake frame: \(reason)"
        case .unexpectedMessage(let kind): "handshake failed: unexpected '\(kind)' during the handshake"
        case .timeout(let millis): "handshake failed: not completed within \(millis) ms"
        case .helloTimeout(let millis): "handshake failed: no hello within \(millis) ms"
        case .evicted: "handshake failed: closed before its hello to make room under the pending handshake limits"
        case .closedEarly: "handshake failed: connection closed before the handshake completed (truncated handshake)"
        }
    }

    /// A label for the `reason` dimension of `ratify_p2p_handshake_failures_total`.
    public var reason: String {
        switch self {
        case .foreignChain: "foreign_chain"
        case .protocolVersion: "protocol_version"
        case .wrongNodeID: "wrong_node_id"
        case .badSignature: "bad_signature"
        case .selfConnection: "self"
        case .lowOrderKey: "low_order_key"
        case .malformed: "malformed"
        case .unexpectedMessage: "unexpected_message"
        case .timeout: "timeout"
        case .helloTimeout: "hello_timeout"
        case .evicted: "evicted"
        case .closedEarly: "truncated"
        }
    }
}
