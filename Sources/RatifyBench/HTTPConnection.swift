import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to a node's RPC, one request at a time (the load
/// generator gives each sender its own connection, so a sender's nonces arrive in order).
/// NIO rather than URLSession: a request costs tens of microseconds of client CPU, which
/// matters on a 2-core machine that also runs the validators.
public final class HTTPConnection: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The connection closed or failed before the response was complete.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let channel: Channel
    let host: String

    private init(channel: Channel, host: String) {
        self.channel = channel
        self.host = host
    }

    public static func connect(host: String, port: Int, group: EventLoopGroup) async throws -> HTTPConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPExchangeHandler())
                }
            }
            .connect(host: host, port: port).get()
        return HTTPConnection(channel: channel, host: "\(host):\(port)")
    }

    public var isActive: Bool { channel.isActive }

    public func request(_ method: HTTPMethod, _ uri: String, body: [UInt8]? = nil,
                        contentType: String = "text/plain") async throws -> Response {
        try await start(method, uri, body: body, contentType: contentType).get()
    }

    /// Sends the request and returns the response's future, completed on the connection's event
    /// loop: for callers that handle the answer there, without a task waiting for it.
    public func start(_ method: HTTPMethod, _ uri: String, body: [UInt8]? = nil,
                      contentType: String = "text/plain") -> EventLoopFuture<Response> {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: host)
        if let body {
            head.headers.add(name: "Content-Type", value: contentType)
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let exchange = HTTPExchange(head: head, body: body.map { ByteBuffer(bytes: $0) }, promise: promise)
        channel.writeAndFlush(exchange).whenFailure { promise.fail($0) }
        return promise.futureResult
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// A request and the promise its response completes.
struct HTTPExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var promise: EventLoopPromise<HTTPConnection.Response>
}

/// Writes one exchange's request and completes its promise with the response; fails it if the
/// connection closes first.
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private var pending: EventLoopPromise<HTTPConnection.Response>?
    private var status = 0
    private var body: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        if let pending {
            // One request at a time; a second is a bug in the caller, answered as a failure.
            exchange.promise.fail(HTTPConnection.Failure(description: "a request is already in flight on this connection"))
            _ = pending
            promise?.succeed(())
            return
        }
        pending = exchange.promise
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body.removeAll(keepingCapacity: true)
        case .body(var buffer):
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed(HTTPConnection.Response(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPConnection.Failure(description: "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: Error) {
        let promise = pending
        pending = nil
        promise?.fail(error)
    }
}
