import RatifyNet

/// Why the link between a node and its remote signer failed. One line each.
public enum SignerLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No connection could be made (refused, unresolvable, or not within the timeout).
    case unreachable(String)
    /// The connection ended, or a socket call failed.
    case closed(String)
    /// No answer within the deadline.
    case timeout(String)
    /// The other side sent bytes that are not the protocol.
    case malformed(String)
    /// The handshake failed: a key that is not the expected one, a forged transcript, another chain.
    case handshake(HandshakeError)
    /// An authenticated client whose node id the signer does not list in `allowed_node_ids`.
    case notAllowed(NodeID)

    public var description: String {
        switch self {
        case .unreachable(let reason): "cannot reach the signer: \(reason)"
        case .closed(let reason): "signer link closed: \(reason)"
        case .timeout(let reason): "signer link timed out: \(reason)"
        case .malformed(let reason): "signer link: malformed message: \(reason)"
        case .handshake(let error): "signer link: \(error)"
        case .notAllowed(let id): "signer link: node \(id.hex) is not in this signer's allowed_node_ids"
        }
    }
}
