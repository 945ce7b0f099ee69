import NIOCore
import RatifyCore

/// Decodes opened frames into `NetMessage`s (checking every chain id they carry) and encodes
/// outgoing messages. Handshake messages after the handshake, malformed bytes or a foreign
/// chain fail the channel.
final class MessageCodecHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ReceivedMessage
    typealias OutboundIn = NetMessage
    typealias OutboundOut = ByteBuffer

    let chainID: String
    private var failed = false

    let metrics: NetMetrics

    init(chainID: String, metrics: NetMetrics) {
        self.chainID = chainID
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let buffer = unwrapInboundIn(data)
        let chainID = self.chainID
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(NetMessage.DecodingError) -> ReceivedMessage in
                let message = try NetMessage.decode(bytes, chainID: chainID)
                return ReceivedMessage(message: message, digest: Hash.sha256(bytes), bytes: bytes.count)
            }
        }
        switch result {
        case .success(let received):
            metrics.tcpMessagesReceived.increment()
            metrics.tcpBytesReceived.increment(by: received.bytes + NetLimits.tagBytes + FrameDecoder.headerBytes)
            switch received.message {
            case .hello, .auth:
                fail(context, .unexpectedMessage(received.message.kind.label))
            default:
                context.fireChannelRead(wrapInboundOut(received))
            }
        case .failure(.foreignChain(let expected, let got)):
            fail(context, .foreignChain(expected: expected, got: got))
        case .failure(let error):
            fail(context, .malformed(error.description))
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: PeerError) {
        failed = true
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        var writer = ByteWriter(capacity: 192)
        message.encode(to: &writer)
        guard writer.bytes.count <= NetLimits.messageBytesMax else {
            // A local bug (a block that should have been split), not the peer's fault: drop it.
            promise?.fail(PeerError.malformed("outgoing \(message.kind.label) of \(writer.bytes.count) bytes exceeds the frame cap"))
            return
        }
        metrics.tcpMessagesSent.increment()
        metrics.tcpBytesSent.increment(by: writer.bytes.count + NetLimits.tagBytes + FrameDecoder.headerBytes)
        var buffer = context.channel.allocator.buffer(capacity: writer.bytes.count)
        buffer.writeBytes(writer.bytes)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}
