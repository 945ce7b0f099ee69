import NIOCore

/// Opens inbound frame bodies and seals outbound messages with the session's per-direction
/// ChaCha20-Poly1305 keys. A bad MAC fails the channel: nothing unauthenticated goes further.
final class FrameCipherHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var sender: FrameCipher
    private var receiver: FrameCipher
    private var failed = false

    init(sender: FrameCipher, receiver: FrameCipher) {
        self.sender = sender
        self.receiver = receiver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        do throws(FrameCipher.Failure) {
            let plaintext = try receiver.open(unwrapInboundIn(data), allocator: context.channel.allocator)
            context.fireChannelRead(wrapInboundOut(plaintext))
        } catch {
            failed = true
            context.fireErrorCaught(error == .nonceExhausted ? PeerError.nonceExhausted : PeerError.badMAC)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        do throws(FrameCipher.Failure) {
            let sealed = try sender.seal(unwrapOutboundIn(data), allocator: context.channel.allocator)
            context.write(wrapOutboundOut(sealed), promise: promise)
        } catch {
            promise?.fail(PeerError.nonceExhausted)
            context.fireErrorCaught(PeerError.nonceExhausted)
        }
    }
}
