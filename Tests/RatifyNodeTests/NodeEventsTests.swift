import RatifyCore
import Synchronization
import Testing
@testable import RatifyNode

@Suite("NodeEvents: batches per publish, a bound on buffered events")
struct NodeEventsTests {
    static func block(_ height: Height) -> NodeEvent {
        .block(FinalizedBlockEvent(height: height, hash: Hash(Array(repeating: UInt8(height % 256), count: 32))!, timeMillis: 0,
                                   transactionCount: 2, round: 0, latencyMillis: 0))
    }

    static func transaction(_ height: Height, _ index: Int) -> NodeEvent {
        .transaction(TransactionLocation(hash: Hash(Array(repeating: UInt8(index), count: 32))!, height: height, index: index,
                                         code: 0, log: ""))
    }

    static func finalized(_ height: Height) -> [NodeEvent] {
        [block(height), transaction(height, 0), transaction(height, 1)]
    }

    @Test("a block's events reach each subscriber as one batch, in order and filtered; nothing the filter refuses makes an empty batch")
    func oneBatchPerPublish() async throws {
        let hub = NodeEvents(subscribersMax: 4, bufferedEventsMax: 100)
        let everything = try hub.subscribe(NodeEvents.Filter())
        let blocks = try hub.subscribe(NodeEvents.Filter(blocks: true, transactions: false))
        let oneTransaction = try hub.subscribe(NodeEvents.Filter(blocks: false, transactions: true,
                                                                 transactionHash: Hash(Array(repeating: 1, count: 32))!))
        hub.publish(Self.finalized(1))
        hub.publish([Self.block(2)])
        hub.publish(Self.finalized(3))
        var all = everything.batches.makeAsyncIterator()
        #expect(await all.next() == Self.finalized(1))
        #expect(await all.next() == [Self.block(2)])
        #expect(await all.next() == Self.finalized(3))
        var blockBatches = blocks.batches.makeAsyncIterator()
        #expect(await blockBatches.next() == [Self.block(1)])
        #expect(await blockBatches.next() == [Self.block(2)])
        #expect(await blockBatches.next() == [Self.block(3)])
        var wanted = oneTransaction.batches.makeAsyncIterator()
        #expect(await wanted.next() == [Self.transaction(1, 1)])
        #expect(await wanted.next() == [Self.transaction(3, 1)])
        for subscription in [everything, blocks, oneTransaction] { subscription.cancel() }
    }

    @Test("the bound counts events, not batches: taking a batch frees its room; a subscriber past the bound is cut off after what it was given")
    func boundCountsEvents() async throws {
        let hub = NodeEvents(subscribersMax: 2, bufferedEventsMax: 7)
        let subscription = try hub.subscribe(NodeEvents.Filter())
        hub.publish(Self.finalized(1))
        hub.publish(Self.finalized(2))
        var batches = subscription.batches.makeAsyncIterator()
        // Six buffered; taking one batch frees three, so two more batches fit (3 + 3 + 1 spare).
        #expect(await batches.next() == Self.finalized(1))
        hub.publish(Self.finalized(3))
        #expect(hub.subscriberCount == 1)
        // Nine would be buffered: cut off, with what it was given still to read.
        hub.publish(Self.finalized(4))
        #expect(hub.subscriberCount == 0)
        #expect(await batches.next() == Self.finalized(2))
        #expect(await batches.next() == Self.finalized(3))
        #expect(await batches.next() == nil)
        #expect(subscription.endReason == "too slow: more than 7 events were waiting to be sent")
    }

    @Test("pushed batches arrive at publish, in order and filtered; their room stays taken until written, and past the bound the subscriber is cut off")
    func pushedBatches() async throws {
        let hub = NodeEvents(subscribersMax: 2, bufferedEventsMax: 7)
        let pushed = Mutex<[[NodeEvent]]>([])
        let subscription = try hub.subscribe(NodeEvents.Filter(blocks: true, transactions: true)) { batch in
            pushed.withLock { $0.append(batch) }
        }
        hub.publish(Self.finalized(1))
        hub.publish(Self.finalized(2))
        // Handed over by publish itself: nothing to await.
        #expect(pushed.withLock { $0 } == [Self.finalized(1), Self.finalized(2)])
        // Six held; writing the first batch frees three, so two more batches fit.
        subscription.written(3)
        hub.publish(Self.finalized(3))
        #expect(hub.subscriberCount == 1)
        hub.publish(Self.finalized(4))
        #expect(hub.subscriberCount == 0)
        #expect(pushed.withLock { $0 } == [Self.finalized(1), Self.finalized(2), Self.finalized(3)])
        // The batches sequence carries nothing pushed and ends with the subscription.
        var batches = subscription.batches.makeAsyncIterator()
        #expect(await batches.next() == nil)
        #expect(subscription.endReason == "too slow: more than 7 events were waiting to be sent")
    }
}
