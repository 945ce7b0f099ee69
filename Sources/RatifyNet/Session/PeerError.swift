import RatifyCore

/// Why a session ended. Each case is one line for the log and one `reason` label for
/// `ratify_p2p_disconnects_total`. `isMisbehaviour` marks the ones that back the peer off.
public enum PeerError: Error, Equatable, Sendable, CustomStringConvertible {
    case frameTooLarge(length: Int, max: Int)
    case badMAC
    case malformed(String)
    case foreignChain(expected: String, got: String)
    case invalidSignature(String)
    case unexpectedMessage(String)
    case handshake(HandshakeError)
    case sendQueueFull(bytes: Int)
    case nonceExhausted
    case duplicate
    case peerLimit(String)
    /// Allow-list mode and the node key is not on the list.
    case notAllowed
    /// The node key or its IP address is backed off after misbehaving.
    case banned(String)
    case closedByPeer
    /// Nothing arrived on the session for this long although peers announce their state about
    /// once a second: the path is gone (a partition, a vanished host) while TCP keeps retrying.
    case silent(millis: Int64)
    case shutdown
    case requested(String)

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let max): "frame length \(length) exceeds the maximum \(max)"
        case .badMAC: "frame failed authentication (bad MAC)"
        case .malformed(let reason): "malformed message: \(reason)"
        case .foreignChain(let expected, let got): "message for chain '\(got)', this node is on '\(expected)'"
        case .invalidSignature(let what): "invalid signature on \(what)"
        case .unexpectedMessage(let kind): "unexpected '\(kind)' message after the handshake"
        case .handshake(let error): error.description
        case .sendQueueFull(let bytes): "peer too slow: \(bytes) bytes already queued for it"
        case .nonceExhausted: "nonce counter exhausted"
        case .duplicate: "duplicate session for the same node id"
        case .peerLimit(let which): "peer limit reached (\(which))"
        case .notAllowed: "node id is not allowed (allowlist_only)"
        case .banned(let what): "\(what) is backed off after misbehaving"
        case .closedByPeer: "connection closed by the peer"
        case .silent(let millis): "nothing received for \(millis) ms; the path to the peer is down"
        case .shutdown: "node shutting down"
        case .requested(let why): "disconnected by the node: \(why)"
        }
    }

    public var reason: String {
        switch self {
        case .frameTooLarge: "frame_too_large"
        case .badMAC: "bad_mac"
        case .malformed: "malformed"
        case .foreignChain: "foreign_chain"
        case .invalidSignature: "invalid_signature"
        case .unexpectedMessage: "unexpected_message"
        case .handshake: "handshake"
        case .sendQueueFull: "slow_peer"
        case .nonceExhausted: "nonce_exhausted"
        case .duplicate: "duplicate"
        case .peerLimit: "peer_limit"
        case .notAllowed: "not_allowed"
        case .banned: "banned"
        case .closedByPeer: "closed_by_peer"
        case .silent: "silent"
        case .shutdown: "shutdown"
        case .requested: "requested"
        }
    }

    /// The peer broke the protocol: it is disconnected and not accepted or redialled for a while.
    public var isMisbehaviour: Bool {
        switch self {
        case .frameTooLarge, .badMAC, .malformed, .foreignChain, .invalidSignature, .unexpectedMessage: true
        case .handshake(let error):
            switch error {
            case .badSignature, .malformed, .foreignChain, .unexpectedMessage, .lowOrderKey: true
            default: false
            }
        default: false
        }
    }
}
