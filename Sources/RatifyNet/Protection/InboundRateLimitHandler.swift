import NIOCore

/// Per-peer inbound rate limit on frames and bytes. When either token bucket is in debt the
/// handler withholds `read()` until it is repaid, so a flooding peer is slowed by TCP's own
/// flow control instead of growing buffers here; an honest peer under the limit never waits.
/// A `transactions` batch counts as one frame a transaction (`ExtraFrames`), so batching lifts
/// no peer's transaction rate past the frame rate.
final class InboundRateLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer

    /// Frames to charge beyond the one a frame costs, sent toward this handler as an outbound
    /// user event by `MessageCodecHandler` once it has decoded a batch of that many more
    /// transactions (this handler sees only sealed frames).
    struct ExtraFrames {
        let count: Int
    }

    private var frames: TokenBucket
    private var bytes: TokenBucket
    private var pendingRead = false
    private var resumeScheduled = false

    init(framesPerSecond: Double, bytesPerSecond: Double) {
        let now = NIODeadline.now().uptimeNanoseconds
        frames = TokenBucket(ratePerSecond: framesPerSecond, burst: framesPerSecond, nowNanos: now)
        bytes = TokenBucket(ratePerSecond: bytesPerSecond, burst: bytesPerSecond, nowNanos: now)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let now = NIODeadline.now().uptimeNanoseconds
        _ = frames.take(1, nowNanos: now)
        _ = bytes.take(Double(frame.readableBytes + FrameDecoder.headerBytes), nowNanos: now)
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let extra = event as? ExtraFrames else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        _ = frames.take(Double(extra.count), nowNanos: NIODeadline.now().uptimeNanoseconds)
        promise?.succeed(())
    }

    func read(context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        frames.refill(nowNanos: now)
        bytes.refill(nowNanos: now)
        let wait = Swift.max(frames.waitNanos, bytes.waitNanos)
        guard wait > 0 else {
            context.read()
            return
        }
        pendingRead = true
        guard !resumeScheduled else { return }
        resumeScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(min(wait, 1_000_000_000)))) {
            let (handler, context) = loopBound.value
            handler.resumeScheduled = false
            if handler.pendingRead {
                handler.pendingRead = false
                handler.read(context: context)
            }
        }
    }
}
