import NIOCore
import RatifyCore

/// Decodes opened frames into `NetMessage`s (checking every chain id they carry) and counts
/// outgoing ones. Handshake messages after the handshake, malformed bytes or a foreign chain
/// fail the channel. A batch of transactions is charged against the peer's receive rate as one
/// frame a transaction (`InboundRateLimitHandler.ExtraFrames`).
final class MessageCodecHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ReceivedMessage
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let chainID: String
    private var failed = false

    let metrics: NetMetrics
    /// The session's own byte counters, nil before a session exists (fuzzing the codec alone).
    let session: PeerSession?

    init(chainID: String, metrics: NetMetrics, session: PeerSession? = nil) {
        self.chainID = chainID
        self.metrics = metrics
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let buffer = unwrapInboundIn(data)
        let chainID = self.chainID
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(NetMessage.DecodingError) -> ReceivedMessage in
                let message = try NetMessage.decode(bytes, chainID: chainID)
                return ReceivedMessage(message: message, digest: message.seenDigest(encoded: bytes), bytes: bytes.count)
            }
        }
        switch result {
        case .success(let received):
            metrics.tcpMessagesReceived.increment()
            let frameBytes = received.bytes + NetLimits.tagBytes + FrameDecoder.headerBytes
            metrics.tcpBytesReceived.increment(by: frameBytes)
            session?.bytesReceived.wrappingAdd(frameBytes, ordering: .relaxed)
            switch received.message {
            case .hello, .auth:
                fail(context, .unexpectedMessage(received.message.kind.label))
            case .transactions(let batch):
                // One frame a transaction against the peer's receive rate, as if each came alone.
                context.triggerUserOutboundEvent(InboundRateLimitHandler.ExtraFrames(count: batch.transactions.count - 1), promise: nil)
                context.fireChannelRead(wrapInboundOut(received))
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

    /// Outgoing messages arrive encoded (`PeerSession.send` encodes them, to count their bytes
    /// against the send queue's cap) and sized below the frame cap.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        metrics.tcpMessagesSent.increment()
        let frameBytes = bytes + NetLimits.tagBytes + FrameDecoder.headerBytes
        metrics.tcpBytesSent.increment(by: frameBytes)
        session?.bytesSent.wrappingAdd(frameBytes, ordering: .relaxed)
        context.write(data, promise: promise)
    }
}
