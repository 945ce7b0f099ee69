import NIOCore
import RatifyCore

/// Runs `Handshake` over the framed connection: sends our hello, answers the peer's hello with a
/// sealed auth, verifies the peer's auth, then hands the session ciphers to `onEstablished`
/// (which installs the session handlers after this one) and leaves the pipeline. Frames that
/// arrive behind the auth are passed on. Any failure, no hello within the hello timeout, or no
/// success within the timeout, reports a `HandshakeError` and closes the channel.
final class HandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    typealias Established = (ChannelHandlerContext, Handshake.Result, _ sender: FrameCipher, _ receiver: FrameCipher) -> Void
    typealias Failed = (Channel, HandshakeError) -> Void
    typealias Spoke = (Channel) -> Void

    private enum State {
        case idle
        case awaitingHello
        case awaitingAuth(sender: FrameCipher, receiver: FrameCipher)
        case established
        case failed
    }

    private var handshake: Handshake
    private var state: State = .idle
    private let timeoutMillis: Int64
    private let helloTimeoutMillis: Int64
    private let frameLimit: FrameSizeLimit
    private let nonceLimit: UInt64
    private let onEstablished: Established
    private let onFailed: Failed
    private let onHello: Spoke
    private var timeoutTask: Scheduled<Void>?
    private var helloTimeoutTask: Scheduled<Void>?

    init(handshake: Handshake, timeoutMillis: Int64, helloTimeoutMillis: Int64? = nil, frameLimit: FrameSizeLimit,
         nonceLimit: UInt64 = .max, onHello: @escaping Spoke = { _ in },
         onEstablished: @escaping Established, onFailed: @escaping Failed) {
        self.handshake = handshake
        self.timeoutMillis = timeoutMillis
        self.helloTimeoutMillis = min(helloTimeoutMillis ?? timeoutMillis, timeoutMillis)
        self.onHello = onHello
        self.frameLimit = frameLimit
        self.nonceLimit = nonceLimit
        self.onEstablished = onEstablished
        self.onFailed = onFailed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { begin(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context)
        context.fireChannelActive()
    }

    private func begin(_ context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .awaitingHello
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let millis = timeoutMillis
        timeoutTask = context.eventLoop.scheduleTask(in: .milliseconds(timeoutMillis)) {
            let (handler, context) = loopBound.value
            handler.fail(context, .timeout(millis: millis))
        }
        let helloMillis = helloTimeoutMillis
        // A hello deadline at or past the whole handshake's would never be the one that fires.
        if helloMillis < millis {
            helloTimeoutTask = context.eventLoop.scheduleTask(in: .milliseconds(helloMillis)) {
                let (handler, context) = loopBound.value
                guard case .awaitingHello = handler.state else { return }
                handler.fail(context, .helloTimeout(millis: helloMillis))
            }
        }
        let hello = NetMessage.hello(handshake.hello).encoded
        var buffer = context.channel.allocator.buffer(capacity: hello.count)
        buffer.writeBytes(hello)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch state {
        case .idle, .failed:
            return
        case .established:
            context.fireChannelRead(data)
        case .awaitingHello:
            receiveHello(context, frame)
        case .awaitingAuth(let sender, let receiver):
            receiveAuth(context, frame, sender: sender, receiver: receiver)
        }
    }

    private func receiveHello(_ context: ChannelHandlerContext, _ frame: ByteBuffer) {
        let chainID = handshake.chainID
        let decoded = frame.withUnsafeReadableBytes { bytes in
            Result { () throws(NetMessage.DecodingError) -> NetMessage in try NetMessage.decode(bytes, chainID: chainID) }
        }
        let hello: HandshakeHello
        switch decoded {
        case .success(.hello(let value)): hello = value
        case .success(let other): return fail(context, .unexpectedMessage(other.kind.label))
        case .failure(.foreignChain(let expected, let got)): return fail(context, .foreignChain(expected: expected, got: got))
        case .failure(let error): return fail(context, .malformed(error.description))
        }
        helloTimeoutTask?.cancel()
        helloTimeoutTask = nil
        onHello(context.channel)
        do throws(HandshakeError) {
            let (auth, keys) = try handshake.receive(peer: hello)
            var sender = FrameCipher(key: keys.tcpSend, nonceLimit: nonceLimit)
            let receiver = FrameCipher(key: keys.tcpReceive, nonceLimit: nonceLimit)
            let plain = NetMessage.auth(auth).encoded
            var plainBuffer = context.channel.allocator.buffer(capacity: plain.count)
            plainBuffer.writeBytes(plain)
            guard let sealed = try? sender.seal(plainBuffer, allocator: context.channel.allocator) else {
                return fail(context, .malformed("could not seal auth"))
            }
            state = .awaitingAuth(sender: sender, receiver: receiver)
            context.writeAndFlush(wrapOutboundOut(sealed), promise: nil)
        } catch {
            fail(context, error)
        }
    }

    private func receiveAuth(_ context: ChannelHandlerContext, _ frame: ByteBuffer, sender: FrameCipher, receiver: FrameCipher) {
        var receiver = receiver
        guard let plain = try? receiver.open(frame, allocator: context.channel.allocator) else {
            // The peer does not hold the keys of the hellos: a tampered or replayed handshake.
            return fail(context, .malformed("auth frame failed authentication"))
        }
        let chainID = handshake.chainID
        let decoded = plain.withUnsafeReadableBytes { bytes in
            Result { () throws(NetMessage.DecodingError) -> NetMessage in try NetMessage.decode(bytes, chainID: chainID) }
        }
        guard case .success(.auth(let auth)) = decoded else {
            return fail(context, .malformed("expected auth"))
        }
        do throws(HandshakeError) {
            let result = try handshake.verify(peer: auth)
            timeoutTask?.cancel()
            timeoutTask = nil
            state = .established
            frameLimit.bytes = NetLimits.frameBytesMax
            onEstablished(context, result, sender, receiver)
            guard context.channel.isActive else { return }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            fail(context, error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .idle, .awaitingHello, .awaitingAuth: fail(context, .closedEarly)
        case .established, .failed: break
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch state {
        case .established:
            context.fireErrorCaught(error)
        case .failed:
            return
        default:
            if let peerError = error as? PeerError, case .frameTooLarge(let length, let max) = peerError {
                fail(context, .malformed("handshake frame length \(length) exceeds the maximum \(max)"))
            } else if error is PeerError || error is ByteToMessageDecoderError {
                fail(context, .malformed("\(error)"))
            } else {
                // A socket error (reset, broken pipe) before the handshake finished: the peer went
                // away mid-handshake, which is not evidence of misbehaviour.
                fail(context, .closedEarly)
            }
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: HandshakeError) {
        switch state {
        case .established, .failed: return
        default: break
        }
        state = .failed
        timeoutTask?.cancel()
        timeoutTask = nil
        helloTimeoutTask?.cancel()
        helloTimeoutTask = nil
        onFailed(context.channel, error)
        context.close(promise: nil)
    }
}
