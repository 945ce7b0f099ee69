import RatifyCore

/// A decoded, de-duplicated message for the node that its verifier let through (`MessageVerdict`
/// `.verified` or `.unverified`), tagged with the peer it came from.
public struct InboundMessage: Sendable {
    public enum Transport: String, Sendable {
        case tcp
        case udp
    }

    public let peer: NodeID
    public let message: NetMessage
    public let transport: Transport
}
