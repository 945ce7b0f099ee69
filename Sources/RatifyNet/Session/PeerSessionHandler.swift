import NIOCore

/// The last handler of an established session: hands decoded messages to the manager, turns
/// any error below into a disconnect with its reason, and reports the close.
final class PeerSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ReceivedMessage

    private let session: PeerSession
    private let manager: PeerManager

    init(session: PeerSession, manager: PeerManager) {
        self.session = session
        self.manager = manager
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        manager.received(unwrapInboundIn(data), from: session, transport: .tcp)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        session.close(error as? PeerError ?? .malformed("\(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        manager.sessionClosed(session)
        context.fireChannelInactive()
    }
}
