import NIOCore
import NIOHTTP1
import RatifyCore

/// `GET /events` (docs/RPC.md) as a client: one connection held open while the node streams
/// Server-Sent Events. Bounded by the caller (`TransactionSender` races it with a timeout).
extension RPCClient {
    /// The node answered the event request with something other than a stream: a node
    /// without `/events` answers 404; one not serving it now (too many subscribers) 503.
    struct EventStreamRefused: Error {
        let status: Int
        let message: String
    }

    /// The most of a refusal's body kept for its message.
    static let refusalBytesMax = 64 * 1024

    /// Follows `GET target` as an event stream: runs `subscribed` once, when the node's first
    /// comment says the subscription is in place (so whatever `subscribed` causes cannot be
    /// missed), then hands each event to `handle` until it returns a value.
    func followEvents<Result>(_ target: String, subscribed: () async throws -> Void,
                              handle: (ServerSentEvent) throws -> Result?) async throws -> Result {
        let endpoint = node.endpoint
        let channel = try await connect()
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target)
            head.headers.add(name: "Host", value: endpoint.description)
            head.headers.add(name: "Accept", value: "text/event-stream")
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status = 0
            var refusal: [UInt8] = []
            var parser = ServerSentEventParser()
            var isSubscribed = false
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    status = Int(responseHead.status.code)
                case .body(let buffer) where status != 200:
                    refusal += buffer.readableBytesView.prefix(Self.refusalBytesMax - refusal.count)
                case .body(let buffer):
                    for item in try parser.feed(buffer.readableBytesView) {
                        switch item {
                        case .comment(let text):
                            if !isSubscribed, text.hasPrefix("subscribed") {
                                isSubscribed = true
                                try await subscribed()
                            }
                        case .event(let event):
                            if let result = try handle(event) { return result }
                        }
                    }
                case .end:
                    guard status == 200 else {
                        let reply = try? JSONParser.parse(refusal, file: "\(node)\(target)")
                        let message = reply?["error"]?["message"]?.stringValue ?? String(decoding: refusal.prefix(200), as: UTF8.self)
                        throw EventStreamRefused(status: status, message: message)
                    }
                    throw ClientError.badResponse(node: node.description, reason: "the node ended the event stream \(target) without a reason")
                }
            }
            throw ClientError.badResponse(node: node.description, reason: "the node closed the event stream \(target)")
        }
    }
}
