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
        session.lastReceivedNanos.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        manager.received(unwrapInboundIn(data), from: session, transport: .tcp)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let peerError = error as? PeerError {
            session.close(peerError)
        } else if error is IOError || error is ChannelError {
            // A reset or refused socket (a peer that crashed or restarted) is a lost
            // connection, not misbehaviour: the peer must be free to reconnect at once.
            session.close(.closedByPeer)
        } else {
            session.close(.malformed("\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        manager.sessionClosed(session)
        context.fireChannelInactive()
    }
}
