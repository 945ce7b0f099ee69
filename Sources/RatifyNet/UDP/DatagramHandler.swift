import NIOCore

/// Hands each received datagram to the manager; the UDP socket's only handler.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let manager: PeerManager

    init(manager: PeerManager) { self.manager = manager }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        manager.receivedDatagram(unwrapInboundIn(data).data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port-unreachable and the like surface here; UDP is best effort, so carry on.
    }
}
