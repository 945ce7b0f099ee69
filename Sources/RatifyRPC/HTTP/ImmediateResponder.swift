import NIOCore
import NIOHTTP1

/// Answers on the connection's event loop the requests that need no waiting (`HTTPServer`'s
/// `immediate` handler: a `POST /tx` without `wait`), and passes every other request on, part by
/// part, to the connection's task. A request answered here costs no hand-off to that task and
/// back, two thread wake-ups each.
///
/// Only `POST` requests are held until their end (the handler needs the whole body); one whose
/// body outgrows `bodyBytesMax` is passed on as it is, and the task answers it (413). NIO's
/// pipelining handler, before this one, hands over one request at a time, so answers keep the
/// requests' order whichever side gives them.
final class ImmediateResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: HTTPServer.ImmediateHandler
    private let bodyBytesMax: Int
    /// The `POST` being held: its head and body so far.
    private var held: (head: HTTPRequestHead, body: [UInt8])?

    init(answer: @escaping HTTPServer.ImmediateHandler, bodyBytesMax: Int) {
        self.answer = answer
        self.bodyBytesMax = bodyBytesMax
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head) where head.method == .POST:
            let length = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            guard length <= bodyBytesMax else { return context.fireChannelRead(data) }
            held = (head, [])
        case .body(let buffer) where held != nil:
            guard let count = held?.body.count, count + buffer.readableBytes <= bodyBytesMax else {
                passOnHeld(context)
                return context.fireChannelRead(data)
            }
            held?.body.append(contentsOf: buffer.readableBytesView)
        case .end where held != nil:
            guard let (head, body) = held else { return }
            let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            guard let response = answer(request) else {
                passOnHeld(context)
                return context.fireChannelRead(data)
            }
            held = nil
            let keepAlive = head.isKeepAlive
            for part in HTTPServer.parts(of: response, keepAlive: keepAlive) { context.write(wrapOutboundOut(part), promise: nil) }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive { written.whenComplete { _ in context.close(promise: nil) } }
        default:
            context.fireChannelRead(data)
        }
    }

    /// Hands the held head and body on to the connection's task.
    private func passOnHeld(_ context: ChannelHandlerContext) {
        guard let (head, body) = held else { return }
        held = nil
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if !body.isEmpty { context.fireChannelRead(wrapInboundOut(.body(context.channel.allocator.buffer(bytes: body)))) }
    }
}
