import NIOCore
import NIOTLS

/// Sits behind `NIOSSLClientHandler` and settles `promise` once: success when the handshake
/// completes (certificate and host name verified), failure with the error that ended it. The
/// client waits for it before sending, so a refused certificate is reported as a TLS failure
/// rather than racing the request's writes on a channel the handshake already closed. Events
/// after the first settle nothing (a settled promise ignores them) and pass on unchanged.
final class TLSHandshakeObserver: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    /// The connection closed before the handshake finished, without a TLS error.
    struct ClosedDuringHandshake: Error {}

    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ClosedDuringHandshake())
        context.fireChannelInactive()
    }
}
