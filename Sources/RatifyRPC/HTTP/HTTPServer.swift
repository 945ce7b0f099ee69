import RatifyNode
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RatifyCore
import Synchronization

/// A small HTTP/1.1 server on SwiftNIO for the RPC and the metrics endpoint. NIO handlers do
/// the byte work (decoding with header limits, pipelining, parse errors, read timeouts); each
/// connection is then served in its own task through `NIOAsyncChannel`, which collects the body
/// up to the limit and calls `handler` once per request.
///
/// `bind` opens the socket (port 0 picks a free one: read `localPort`); `run` serves until its
/// task is cancelled or `close` is called.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    /// Answers a request on the connection's event loop, or nil to leave it to `Handler`; for
    /// requests that need no waiting (`RPCRouter.answerNow`).
    public typealias ImmediateHandler = @Sendable (HTTPRequest) -> HTTPResponse?
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private let channel: NIOAsyncChannel<Connection, Never>
    private let limits: HTTPServerLimits
    private let handler: Handler
    private let logger: Logger
    private let openConnections = Mutex(0)

    /// The bound port (useful after binding port 0).
    public let localPort: Int

    private init(channel: NIOAsyncChannel<Connection, Never>, limits: HTTPServerLimits, handler: @escaping Handler,
                 logger: Logger) {
        self.channel = channel
        self.limits = limits
        self.handler = handler
        self.logger = logger
        self.localPort = channel.channel.localAddress?.port ?? 0
    }

    /// Binds `host:port`. Errors are NIO's (address in use, cannot assign address) and name the address.
    public static func bind(host: String, port: Int, limits: HTTPServerLimits, logger: Logger,
                            immediate: ImmediateHandler? = nil, handler: @escaping Handler) async throws -> HTTPServer {
        let readTimeout = TimeAmount.milliseconds(limits.readTimeoutMillis)
        let decoderLimits = {
            var configuration = NIOHTTPDecoderLimitConfiguration()
            configuration.maxHeaderListSize = limits.headerBytesMax
            configuration.maxHeaderFieldSize = limits.headerBytesMax
            return configuration
        }()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    let pipeline = child.pipeline.syncOperations
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(
                        leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop,
                        limitConfiguration: decoderLimits)))
                    try pipeline.addHandler(HTTPServerPipelineHandler())
                    try pipeline.addHandler(HTTPErrorResponder())
                    try pipeline.addHandler(RequestTimeoutHandler(timeout: readTimeout))
                    if let immediate { try pipeline.addHandler(ImmediateResponder(answer: immediate, bodyBytesMax: limits.bodyBytesMax)) }
                    return try Connection(wrappingChannelSynchronously: child)
                }
            }
        return HTTPServer(channel: channel, limits: limits, handler: handler, logger: logger)
    }

    /// Accepts and serves connections until cancelled or closed.
    public func run() async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard admit() else {
                            logger.debug("refusing connection: \(limits.connectionsMax) already open")
                            // Through executeThenClose, which finishes the channel's writer (NIO requires it).
                            group.addTask { try? await connection.executeThenClose { _, _ in } }
                            continue
                        }
                        group.addTask {
                            await self.serve(connection)
                            self.openConnections.withLock { $0 -= 1 }
                        }
                    }
                }
            }
        } catch is CancellationError {
        } catch {
            logger.warning("HTTP server on port \(localPort) stopped: \(error)")
        }
    }

    /// Stops accepting; `run` returns once open connections are done.
    public func close() async {
        try? await channel.channel.close()
    }

    private func admit() -> Bool {
        openConnections.withLock { count in
            guard count < limits.connectionsMax else { return false }
            count += 1
            return true
        }
    }

    /// One connection: requests in order (NIO's pipelining handler holds later ones back).
    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        body = []
                        if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                           length > limits.bodyBytesMax {
                            try await write(tooLarge(), keepAlive: false, to: outbound)
                            return
                        }
                    case .body(let buffer):
                        guard body.count + buffer.readableBytes <= limits.bodyBytesMax else {
                            try await write(tooLarge(), keepAlive: false, to: outbound)
                            return
                        }
                        body.append(contentsOf: buffer.readableBytesView)
                    case .end:
                        guard let requestHead = head else { continue }
                        head = nil
                        let request = HTTPRequest(method: requestHead.method, uri: requestHead.uri,
                                                  headers: requestHead.headers, body: body)
                        body = []
                        let response = await handler(request)
                        if let stream = response.stream {
                            try await writeStreaming(response, stream, to: outbound, channel: connection.channel)
                            return
                        }
                        try await write(response, keepAlive: requestHead.isKeepAlive, to: outbound)
                        if !requestHead.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("HTTP connection ended: \(error)")
        }
    }

    /// A streamed response: the head, then each part as `stream` sends or enqueues it, flushed
    /// at once, until `stream` returns (then the body's end, once the parts before it are
    /// written), the client goes or a part waits longer than `streamWriteTimeoutMillis` (a client
    /// that stopped reading). The connection then closes.
    private func writeStreaming(_ response: HTTPResponse, _ stream: @escaping HTTPResponse.Stream,
                                to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "Connection", value: "close")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        do {
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)))
        } catch {
            // The stream still runs once, so it can release what it holds (a subscription).
            await stream(HTTPResponse.StreamWriter(sendPart: { _ in throw error }, enqueuePart: { _, _ in }))
            throw error
        }
        let writes = PendingWrites()
        let writer = HTTPResponse.StreamWriter(
            sendPart: { bytes in
                writes.begin()
                defer { writes.end() }
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            },
            // Straight to the channel, past the async writer: the pipeline below takes the same
            // parts, and the loop runs these in order after the writer's earlier writes.
            enqueuePart: { make, written in
                writes.begin()
                channel.eventLoop.execute {
                    let part = HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: make())))
                    channel.writeAndFlush(part).whenComplete { result in
                        writes.end()
                        if case .success = result { written() }
                    }
                }
            })
        // An AsyncStream rather than `closeFuture.get()`, which would not end when cancelled.
        let (gone, clientGone) = AsyncStream.makeStream(of: Void.self)
        channel.closeFuture.whenComplete { _ in clientGone.finish() }
        let writeTimeout = Duration.milliseconds(limits.streamWriteTimeoutMillis)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await stream(writer)
                // The body's end goes the way the enqueued parts went, after them, and is waited
                // for: closing the connection earlier would drop parts still queued in the channel.
                writes.begin()
                try? await channel.eventLoop.flatSubmit { channel.writeAndFlush(HTTPServerResponsePart.end(nil)) }.get()
                writes.end()
            }
            group.addTask { for await _ in gone {} }
            // One watchdog rather than a timer per part: closing the channel fails the stuck write.
            group.addTask {
                while (try? await Task.sleep(for: writeTimeout / 4)) != nil {
                    guard let since = writes.oldestPending, ContinuousClock.now - since > writeTimeout else { continue }
                    writes.markStalled()
                    try? await channel.close()
                    return
                }
            }
            await group.next()
            group.cancelAll()
        }
        if writes.stalled { throw StreamWriteTimedOut() }
    }

    /// Thrown when a client has not taken a streamed part in time.
    struct StreamWriteTimedOut: Error {}

    /// Since when a streamed part has been waiting for the socket (nil: none waiting), and
    /// whether the watchdog gave up on the client.
    final class PendingWrites: Sendable {
        private let state = Mutex<(count: Int, since: ContinuousClock.Instant?, stalled: Bool)>((0, nil, false))

        var oldestPending: ContinuousClock.Instant? { state.withLock { $0.since } }
        var stalled: Bool { state.withLock { $0.stalled } }
        func markStalled() { state.withLock { $0.stalled = true } }

        func begin() {
            state.withLock { state in
                if state.count == 0 { state.since = .now }
                state.count += 1
            }
        }

        func end() {
            state.withLock { state in
                state.count -= 1
                // With writes still waiting, measure from now: the socket just took one.
                state.since = state.count == 0 ? nil : .now
            }
        }
    }

    private func tooLarge() -> HTTPResponse {
        .error(.payloadTooLarge, "request body is larger than \(limits.bodyBytesMax) bytes")
    }

    private func write(_ response: HTTPResponse, keepAlive: Bool,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        for part in Self.parts(of: response, keepAlive: keepAlive) { try await outbound.write(part) }
        try await outbound.write(.end(nil))
    }

    /// A whole (not streamed) response's head and body, without the end.
    static func parts(of response: HTTPResponse, keepAlive: Bool) -> [HTTPServerResponsePart] {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))
        return response.body.isEmpty ? [head] : [head, .body(.byteBuffer(ByteBuffer(bytes: response.body)))]
    }
}
