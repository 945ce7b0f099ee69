import RatifyCore
import Synchronization

/// The node's finalized blocks and transactions, fanned out to subscribers (`GET /events`).
/// The drivers `publish` after each decision; publishing never waits for a subscriber. A
/// subscriber receives what one `publish` had for it as one batch (a block's event and its
/// transactions' together), so the event stream writes a block's events to its socket at once
/// rather than one write each. Each subscriber has a buffer of at most `bufferedEventsMax`
/// events: one that falls that far behind is cut off (its stream ends and `endReason` says why)
/// and the node goes on. At most `subscribersMax` subscribe at once.
///
/// A subscriber either takes its batches from `Subscription.batches` or has them pushed: with a
/// `push` closure, `publish` hands each batch to it on the publisher's thread, so a batch
/// reaches an event stream's socket without a task in between (the driver publishes at a
/// decision). A pushed batch holds its room in the buffer until `Subscription.written` frees it.
public final class NodeEvents: Sendable {
    /// Takes a subscriber's batch on the publisher's thread, in publishing order; must not block.
    public typealias Push = @Sendable ([NodeEvent]) -> Void

    /// Which events a subscriber wants. `transactionHash` narrows transaction events to one,
    /// `accounts` to those of transactions naming one of the accounts (`TransactionLocation.accounts`).
    public struct Filter: Sendable, Equatable {
        public var blocks: Bool
        public var transactions: Bool
        public var transactionHash: Hash?
        public var accounts: Set<Address>?
        /// The most accounts one filter names: 256 addresses are a request line of about 10 KiB
        /// (`GET /events?account=`).
        public static let accountsMax = 256

        public init(blocks: Bool = true, transactions: Bool = true, transactionHash: Hash? = nil, accounts: Set<Address>? = nil) {
            self.blocks = blocks
            self.transactions = transactions
            self.transactionHash = transactionHash
            self.accounts = accounts
        }

        public func admits(_ event: NodeEvent) -> Bool {
            switch event {
            case .block: blocks
            case .transaction(let location):
                transactions && (transactionHash.map { $0 == location.hash } ?? true)
                    && (accounts.map { accounts in location.accounts.contains(where: accounts.contains) } ?? true)
            }
        }
    }

    public struct TooManySubscribers: Error, Equatable, Sendable, CustomStringConvertible {
        public let subscribersMax: Int
        public var description: String {
            "\(subscribersMax) clients already subscribe to events; retry later or close another subscription"
        }
    }

    /// One subscriber's events, a batch per `publish` (none when they are pushed); when
    /// `batches` ends, `endReason` says why (nil: it was cancelled). `cancel` unsubscribes (the
    /// hub holds the stream's continuation, so dropping the subscription alone does not).
    public final class Subscription: Sendable {
        public let batches: Batches
        private let reason: EndReason
        private let finish: @Sendable () -> Void

        init(batches: Batches, reason: EndReason, finish: @escaping @Sendable () -> Void) {
            self.batches = batches
            self.reason = reason
            self.finish = finish
        }

        public var endReason: String? { reason.text }
        public func cancel() { finish() }

        /// Frees the room of `count` pushed events, once they are sent.
        public func written(_ count: Int) {
            batches.buffered.events.subtract(count, ordering: .relaxed)
        }
    }

    /// A subscriber's batches, never empty, in publishing order. Taking one frees its events'
    /// room in the subscriber's buffer.
    public struct Batches: AsyncSequence, Sendable {
        let stream: AsyncStream<[NodeEvent]>
        let buffered: BufferedCount

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), buffered: buffered)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncStream<[NodeEvent]>.AsyncIterator
            let buffered: BufferedCount

            public mutating func next() async -> [NodeEvent]? {
                guard let batch = await base.next() else { return nil }
                buffered.events.subtract(batch.count, ordering: .relaxed)
                return batch
            }
        }
    }

    /// Events handed to a subscriber and not yet taken by it.
    final class BufferedCount: Sendable {
        let events = Atomic<Int>(0)
    }

    /// Why a subscription ended; the first reason given sticks.
    final class EndReason: Sendable {
        private let value = Mutex<String?>(nil)
        var text: String? { value.withLock { $0 } }
        func set(_ text: String) { value.withLock { $0 = $0 ?? text } }
    }

    private struct Subscriber {
        var filter: Filter
        var continuation: AsyncStream<[NodeEvent]>.Continuation
        var buffered: BufferedCount
        var reason: EndReason
        var push: Push?
    }

    private enum Admission {
        case admitted(UInt64)
        case closed(String)
        case full
    }

    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
        /// Set once the node stops: later subscriptions end at once with this reason.
        var closedReason: String?
    }

    public let subscribersMax: Int
    public let bufferedEventsMax: Int
    private let state = Mutex(State())

    /// The default buffer holds two full blocks' events (`max_txs` 10,000 each, plus the block),
    /// since a block's events arrive at once: up to 32 x 20,000 small events in the worst case.
    public init(subscribersMax: Int = 32, bufferedEventsMax: Int = 20_002) {
        precondition(subscribersMax > 0 && bufferedEventsMax > 0, "event limits must be positive")
        self.subscribersMax = subscribersMax
        self.bufferedEventsMax = bufferedEventsMax
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Subscribes to the events `filter` admits: taken from the subscription's `batches`, or,
    /// with `push`, handed to it by `publish` (the subscription's `batches` then only ends).
    public func subscribe(_ filter: Filter, push: Push? = nil) throws(TooManySubscribers) -> Subscription {
        // Unbounded as batches: the bound is on events, kept by `BufferedCount`.
        let (stream, continuation) = AsyncStream.makeStream(of: [NodeEvent].self, bufferingPolicy: .unbounded)
        let buffered = BufferedCount()
        let reason = EndReason()
        let admission: Admission = state.withLock { state in
            if let closed = state.closedReason { return .closed(closed) }
            guard state.subscribers.count < subscribersMax else { return .full }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(filter: filter, continuation: continuation, buffered: buffered, reason: reason,
                                               push: push)
            return .admitted(id)
        }
        switch admission {
        case .full:
            throw TooManySubscribers(subscribersMax: subscribersMax)
        case .closed(let text):
            reason.set(text)
            continuation.finish()
        case .admitted(let id):
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
        }
        return Subscription(batches: Batches(stream: stream, buffered: buffered), reason: reason, finish: { continuation.finish() })
    }

    /// Hands events to every subscriber whose filter admits them, in order, as one batch. A
    /// subscriber whose buffer would hold more than `bufferedEventsMax` events is cut off, never
    /// waited for. Pushes run under the hub's lock, so concurrent publishers cannot reorder them.
    public func publish(_ events: [NodeEvent]) {
        guard !events.isEmpty else { return }
        let cutOff: [AsyncStream<[NodeEvent]>.Continuation] = state.withLock { state in
            var cutOff: [AsyncStream<[NodeEvent]>.Continuation] = []
            for (id, subscriber) in state.subscribers {
                let admitted = events.filter(subscriber.filter.admits)
                guard !admitted.isEmpty else { continue }
                let buffered = subscriber.buffered.events.add(admitted.count, ordering: .relaxed).newValue
                if buffered > bufferedEventsMax {
                    subscriber.reason.set("too slow: more than \(bufferedEventsMax) events were waiting to be sent")
                    state.subscribers[id] = nil
                    cutOff.append(subscriber.continuation)
                    continue
                }
                if let push = subscriber.push {
                    push(admitted)
                } else {
                    subscriber.continuation.yield(admitted)
                }
            }
            return cutOff
        }
        // Outside the lock: finishing runs onTermination, which takes it.
        for continuation in cutOff { continuation.finish() }
    }

    /// Ends every subscription with `reason` (the node is stopping); later ones end at once.
    public func close(because reason: String) {
        let ending: [Subscriber] = state.withLock { state in
            state.closedReason = state.closedReason ?? reason
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in ending {
            subscriber.reason.set(reason)
            subscriber.continuation.finish()
        }
    }

    private func remove(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
}
