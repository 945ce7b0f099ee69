import NIOCore
import NIOHTTP1
import NIOPosix
import RatifyClient
import RatifyCore

/// One `GET /events?types=tx` stream from a node (narrowed to the accounts of the senders that
/// submit there, when given), held open for a whole finality run: each
/// `tx` event's hash and height go to `onFinal` as they arrive (on the connection's event
/// loop, so the stamp is the moment the bytes were read). The stream's end, however it
/// comes (the node's `end` event when it cut a slow subscriber off or shut down, a closed
/// connection, a broken frame), goes to `onEnd` once, with why.
final class TransactionEventStream: Sendable {
    /// The node answered `/events` with something other than a stream (404: a node without it).
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    private let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    /// Connects and subscribes; returns once the node says the subscription is in place, so
    /// every transaction submitted afterwards has its event delivered. With `accounts`, only the
    /// transactions naming one of them (`account=`): the node writes, and the stream carries,
    /// the events of this generator's senders there, not every transaction of every block.
    static func open(host: String, port: Int, group: EventLoopGroup, accounts: [Address] = [],
                     onFinal: @escaping @Sendable (Hash, UInt64) -> Void,
                     onEnd: @escaping @Sendable (String) -> Void) async throws -> TransactionEventStream {
        let subscribed = group.next().makePromise(of: Void.self)
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            TransactionEventHandler(subscribed: subscribed, onFinal: onFinal, onEnd: onEnd))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            subscribed.fail(error)
            throw error
        }
        let only = accounts.isEmpty ? "" : "&account=" + accounts.map(\.hex).joined(separator: ",")
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/events?types=tx" + only)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Accept", value: "text/event-stream")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            try await subscribed.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return TransactionEventStream(channel: channel)
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Reads the event stream: the subscription comment completes `subscribed`; `tx` events go
/// to `onFinal`; the end of the stream to `onEnd`.
final class TransactionEventHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let subscribed: EventLoopPromise<Void>
    private let onFinal: @Sendable (Hash, UInt64) -> Void
    private let onEnd: @Sendable (String) -> Void
    private var status = 0
    private var refusal: [UInt8] = []
    private var parser = ServerSentEventParser()
    /// Whether `subscribed` has succeeded; until then an end fails it instead.
    private var isSubscribed = false
    private var ended = false

    init(subscribed: EventLoopPromise<Void>, onFinal: @escaping @Sendable (Hash, UInt64) -> Void, onEnd: @escaping @Sendable (String) -> Void) {
        self.subscribed = subscribed
        self.onFinal = onFinal
        self.onEnd = onEnd
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer) where status != 200:
            refusal += buffer.readableBytesView.prefix(200 - min(200, refusal.count))
        case .body(let buffer):
            let items: [ServerSentEventParser.Item]
            do { items = try parser.feed(buffer.readableBytesView) } catch {
                end("\(error)", context: context)
                return
            }
            for item in items { handle(item, context: context) }
        case .end:
            guard status == 200 else {
                let message = LoadGenerator.jsonString(refusal, key: "message") ?? String(decoding: refusal, as: UTF8.self)
                end("/events answered \(status): \(message)", context: context)
                return
            }
            end("the node ended the response", context: context)
        }
    }

    private func handle(_ item: ServerSentEventParser.Item, context: ChannelHandlerContext) {
        switch item {
        case .comment(let text):
            if !isSubscribed, text.hasPrefix("subscribed") {
                isSubscribed = true
                subscribed.succeed(())
            }
        case .event(let event) where event.name == "tx":
            let data = Array(event.data.utf8)
            guard let hex = LoadGenerator.jsonString(data, key: "hash"), let hash = Hash(hex: hex),
                  let height = LoadGenerator.jsonUInt64(data, key: "height") else {
                end("a tx event without hash or height: \(event.data.prefix(120))", context: context)
                return
            }
            onFinal(hash, height)
        case .event(let event) where event.name == "end":
            end(LoadGenerator.jsonString(Array(event.data.utf8), key: "reason") ?? "an end event without a reason", context: context)
        case .event:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end("the connection closed", context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        end("\(error)", context: context)
    }

    /// The stream is over: reported once, and the connection closed.
    private func end(_ reason: String, context: ChannelHandlerContext) {
        guard !ended else { return }
        ended = true
        if isSubscribed {
            onEnd(reason)
        } else {
            // Not yet a subscription: `open` throws this, and there is nothing to report an end of.
            subscribed.fail(TransactionEventStream.Refused(description: reason))
        }
        context.close(promise: nil)
    }
}
