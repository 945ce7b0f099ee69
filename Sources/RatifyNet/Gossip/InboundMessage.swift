import RatifyCore

/// A decoded, de-duplicated, verified message for the node, tagged with the peer it came from.
public struct InboundMessage: Sendable {
    public enum Transport: String, Sendable {
        case tcp
        case udp
    }

    public let peer: NodeID
    public let message: NetMessage
    public let transport: Transport
}
