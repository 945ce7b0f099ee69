import NIOCore

/// Per-peer send rate limit in bytes (`NetConfig.sendBytesPerSecond`, CometBFT's `send_rate`).
/// Frames are passed on at once but flushed only while the token bucket is out of debt, so what
/// waits sits in the channel's outbound buffer: it counts against the peer's send queue until it
/// is written, and past NIO's high watermark the channel reports unwritable, which stops catch-up
/// serving for this peer.
final class OutboundRateLimitHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var bytes: TokenBucket
    private var flushScheduled = false

    init(bytesPerSecond: Double) {
        bytes = TokenBucket(ratePerSecond: bytesPerSecond, burst: bytesPerSecond, nowNanos: NIODeadline.now().uptimeNanoseconds)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frameBytes = unwrapOutboundIn(data).readableBytes + FrameDecoder.headerBytes
        _ = bytes.take(Double(frameBytes), nowNanos: NIODeadline.now().uptimeNanoseconds)
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // A flush already waits for the bucket; it will write these frames too.
        guard !flushScheduled else { return }
        bytes.refill(nowNanos: NIODeadline.now().uptimeNanoseconds)
        let wait = bytes.waitNanos
        guard wait > 0 else {
            context.flush()
            return
        }
        flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(min(wait, 1_000_000_000)))) {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            handler.flush(context: context)
        }
    }
}
