import Foundation
import RatifyNode
import NIOHTTP1
import RatifyCore
import Synchronization

/// `GET /events[?types=block,tx][&tx=HASH][&account=ADDRESS,...]`: finalized blocks and transactions as Server-Sent
/// Events (docs/RPC.md). The subscription is taken before the head is sent, so nothing
/// finalized after the client sees the head is missed.
extension RPCRouter {
    /// How often a quiet stream sends a comment line, so proxies and clients see it is alive
    /// and a client that went away is noticed.
    public struct EventStreamSettings: Sendable {
        public var keepAliveMillis: Int64

        public init(keepAliveMillis: Int64 = 15_000) {
            precondition(keepAliveMillis > 0, "keepAliveMillis must be positive")
            self.keepAliveMillis = keepAliveMillis
        }
    }

    static let eventParameters = ["types", "tx", "account"]

    func events(_ request: HTTPRequest) -> HTTPResponse {
        guard let events = queries.events else { return Self.notWired("the event stream") }
        let filter: NodeEvents.Filter
        do throws(RPCFailure) { filter = try Self.eventFilter(request.query) } catch { return error.response }
        let relay = EventRelay()
        let subscription: NodeEvents.Subscription
        do throws(NodeEvents.TooManySubscribers) {
            subscription = try events.subscribe(filter, push: relay.push)
        } catch {
            return .error(.serviceUnavailable, error.description)
        }
        let keepAlive = Duration.milliseconds(eventStream.keepAliveMillis)
        return .streaming(contentType: "text/event-stream") { writer in
            defer { subscription.cancel() }
            // At once, so the client knows it is subscribed (and a dead connection is found now).
            guard (try? await writer.send(Array(EventFrame.subscribed(filter).utf8))) != nil else { return }
            relay.start(writer, subscription)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The batches are pushed; this sequence only ends, with the subscription.
                    for await _ in subscription.batches {}
                    if let reason = subscription.endReason {
                        writer.enqueue({ Array(EventFrame.end(reason).utf8) }, written: {})
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: keepAlive)) != nil {
                        guard (try? await writer.send(Array(EventFrame.keepAlive.utf8))) != nil else { return }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// `types` (a comma-separated subset of `block` and `tx`), `tx` (a transaction hash) and
    /// `account` (comma-separated addresses: the transactions naming one of them as sender or
    /// recipient); `tx` or `account` without `types` selects transaction events only.
    static func eventFilter(_ query: [String: String]) throws(RPCFailure) -> NodeEvents.Filter {
        if let unknown = query.keys.sorted().first(where: { !eventParameters.contains($0) }) {
            throw RPCFailure(.error(.badRequest, "unknown parameter \(JSONWriter.quoted(String(unknown.prefix(40)))) for /events; it takes types, tx and account"))
        }
        var filter = NodeEvents.Filter(blocks: true, transactions: true)
        if let text = query["tx"] {
            guard let hash = Hash(hex: text) else {
                throw RPCFailure(.error(.badRequest, "tx must be a transaction hash of 64 hex digits (32 bytes), got \(JSONWriter.quoted(String(text.prefix(80))))"))
            }
            filter.blocks = false
            filter.transactionHash = hash
        }
        if let text = query["account"] {
            let names = text.split(separator: ",", omittingEmptySubsequences: false)
            guard names.count <= NodeEvents.Filter.accountsMax else {
                throw RPCFailure(.error(.badRequest, "account names \(names.count) addresses; one subscription takes at most \(NodeEvents.Filter.accountsMax)"))
            }
            var accounts = Set<Address>()
            for name in names {
                guard let address = Address(hex: name) else {
                    throw RPCFailure(.error(.badRequest, "account must list addresses of 40 hex digits (20 bytes), comma-separated; got \(JSONWriter.quoted(String(name.prefix(60))))"))
                }
                accounts.insert(address)
            }
            filter.blocks = false
            filter.accounts = accounts
        }
        if let text = query["types"] {
            var blocks = false, transactions = false
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                switch name {
                case "block": blocks = true
                case "tx": transactions = true
                default:
                    throw RPCFailure(.error(.badRequest, "types must list block and/or tx, comma-separated; got \(JSONWriter.quoted(String(name.prefix(40)))) in \(JSONWriter.quoted(String(text.prefix(80))))"))
                }
            }
            filter.blocks = blocks
            filter.transactions = transactions
        }
        return filter
    }
}

/// Carries an event subscription's pushed batches to its stream: from the publisher (the
/// driver, at a decision) straight to the connection's event loop, which encodes a batch and
/// writes it in one part, with no task between them. Batches published before the stream's
/// head went out wait here until it has.
final class EventRelay: Sendable {
    private enum Target {
        case waiting([[NodeEvent]])
        case writing(HTTPResponse.StreamWriter, NodeEvents.Subscription)
    }

    private let target = Mutex(Target.waiting([]))

    func push(_ batch: [NodeEvent]) {
        target.withLock { target in
            switch target {
            case .waiting(let batches): target = .waiting(batches + [batch])
            case .writing(let writer, let subscription): Self.write(batch, writer, subscription)
            }
        }
    }

    /// Writes the batches held so far, then every later one as it comes.
    func start(_ writer: HTTPResponse.StreamWriter, _ subscription: NodeEvents.Subscription) {
        target.withLock { target in
            if case .waiting(let batches) = target {
                for batch in batches { Self.write(batch, writer, subscription) }
            }
            target = .writing(writer, subscription)
        }
    }

    /// Encoded on the event loop rather than the publisher's thread: a block of thousands of
    /// transactions is thousands of frames.
    private static func write(_ batch: [NodeEvent], _ writer: HTTPResponse.StreamWriter, _ subscription: NodeEvents.Subscription) {
        writer.enqueue({ batch.reduce(into: [UInt8]()) { $0 += EventFrame.event($1).utf8 } },
                       written: { subscription.written(batch.count) })
    }
}

/// The text of one Server-Sent Event: `id` (the height, and `H.I` for the transaction at index
/// I of block H), `event` (`block`, `tx`, or `end` with why the stream ends), one `data` line of
/// JSON.
enum EventFrame {
    static let keepAlive = ": keep-alive\n\n"

    static func subscribed(_ filter: NodeEvents.Filter) -> String {
        let types = [filter.blocks ? "block" : nil, filter.transactions ? "tx" : nil].compactMap { $0 }
        let transaction = filter.transactionHash.map { " for transaction \($0.hex)" } ?? ""
        var accounts = ""
        if let named = filter.accounts {
            accounts = named.count == 1 ? " of account \(named.first?.hex ?? "")" : " of \(named.count) accounts"
        }
        return ": subscribed to \(types.isEmpty ? "no" : types.joined(separator: ",")) events\(transaction)\(accounts)\n\n"
    }

    static func event(_ event: NodeEvent) -> String {
        switch event {
        case .block(let block):
            frame(id: "\(block.height)", name: "block", data: RPCJSON.blockEvent(block))
        case .transaction(let location):
            frame(id: "\(location.height).\(location.index)", name: "tx", data: RPCJSON.location(location))
        }
    }

    static func end(_ reason: String) -> String {
        frame(id: nil, name: "end", data: .object([JSONValue.Member("reason", .string(reason))]))
    }

    private static func frame(id: String?, name: String, data: JSONValue) -> String {
        (id.map { "id: \($0)\n" } ?? "") + "event: \(name)\ndata: \(compact(data))\n\n"
    }

    /// JSON on one line (a `data` line ends at a newline), no spaces.
    static func compact(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let literal): literal
        case .string(let text): JSONWriter.quoted(text)
        case .array(let items): "[" + items.map(compact).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { JSONWriter.quoted($0.key) + ":" + compact($0.value) }.joined(separator: ",") + "}"
        }
    }
}

extension RPCJSON {
    /// A finalized block as `GET /events` sends it; `round` is null on proof-of-work chains.
    static func blockEvent(_ block: FinalizedBlockEvent) -> JSONValue {
        .object([
            Member("height", number(block.height)),
            Member("hash", hex(block.hash)),
            Member("time", time(millis: block.timeMillis)),
            Member("time_ms", number(block.timeMillis)),
            Member("num_txs", number(block.transactionCount)),
            Member("round", block.round.map(number) ?? .null),
            Member("latency_ms", block.latencyMillis.isFinite ? .number(block.latencyMillis.fixedPoint(fractionDigits: 1)) : .null),
        ])
    }
}
