import Foundation
import RatifyCore
import RatifyNode
import RatifyTestSupport
import Testing
@testable import RatifyRPC

/// The JSON value of `key` in an event's one-line `data`.
private func value(_ event: EventStreamClient.Event?, _ key: String) -> String? {
    guard let event, case .object(let members)? = try? JSONParser.parse(Array(event.data.utf8), file: "event") else { return nil }
    switch members.first(where: { $0.key == key })?.value {
    case .string(let text)?: return text
    case .number(let literal)?: return literal
    case .null?: return "null"
    default: return nil
    }
}

@Suite("GET /events over real sockets", .timeLimit(.minutes(1)))
struct EventsTests {
    @Test("a subscriber gets each finalized block and then its transactions, as Server-Sent Events")
    func blocksAndTransactions() async throws {
        let node = try TestNode()
        let transfer = await node.transfer(ChainFixture.alice, amount: 25)
        _ = try await node.mempool.add(transfer.canonicalBytes)
        try await withRPC(node.queries) { client in
            try await EventStreamClient(port: client.port).subscribe("/events") { reader in
                let head = try await reader.head()
                #expect(head.status == 200)
                #expect(head.headers["content-type"] == "text/event-stream")
                #expect(try await reader.nextFrame() == .init(id: nil, name: "comment", data: "subscribed to block,tx events"))
                try await node.finalizeBlock()
                try await node.finalizeBlock()
                let block = try await reader.nextEvent()
                #expect(block?.name == "block")
                #expect(block?.id == "1")
                #expect(value(block, "height") == "1")
                #expect(value(block, "num_txs") == "1")
                #expect(value(block, "round") == "0")
                #expect(value(block, "latency_ms") == "1.5")
                #expect(value(block, "hash") == (await node.block(1))?.id.hash.hex)
                let tx = try await reader.nextEvent()
                #expect(tx?.name == "tx")
                #expect(tx?.id == "1.0")
                #expect(value(tx, "hash") == transfer.hash.hex)
                #expect(value(tx, "height") == "1")
                #expect(value(tx, "index") == "0")
                #expect(tx?.data.contains("\"code\":0") == true)
                let next = try await reader.nextEvent()
                #expect(next?.name == "block")
                #expect(value(next, "height") == "2")
                #expect(value(next, "num_txs") == "0")
            }
        }
    }

    @Test("types=block leaves transactions out; tx=HASH gives that transaction's event and nothing before it")
    func filters() async throws {
        let node = try TestNode()
        let first = await node.transfer(ChainFixture.alice, amount: 1)
        let other = await node.transfer(ChainFixture.bob, amount: 2)
        let wanted = await node.transfer(ChainFixture.alice, amount: 3)
        try await withRPC(node.queries) { client in
            let events = EventStreamClient(port: client.port)
            try await events.subscribe("/events?types=block") { blocks in
                try await events.subscribe("/events?tx=\(wanted.hash.hex.uppercased())") { one in
                    #expect(try await blocks.head().status == 200)
                    #expect(try await one.head().status == 200)
                    #expect(try await blocks.nextFrame()?.data == "subscribed to block events")
                    #expect(try await one.nextFrame()?.data == "subscribed to tx events for transaction \(wanted.hash.hex)")
                    for transaction in [first, other] { _ = try await node.mempool.add(transaction.canonicalBytes) }
                    try await node.finalizeBlock()
                    _ = try await node.mempool.add(wanted.canonicalBytes)
                    try await node.finalizeBlock()
                    let firstBlock = try await blocks.nextEvent(), secondBlock = try await blocks.nextEvent()
                    #expect(firstBlock?.name == "block" && value(firstBlock, "num_txs") == "2")
                    #expect(secondBlock?.name == "block" && value(secondBlock, "height") == "2")
                    let only = try await one.nextEvent()
                    #expect(only?.name == "tx")
                    #expect(value(only, "hash") == wanted.hash.hex)
                    #expect(value(only, "height") == "2")
                }
            }
        }
    }

    @Test("account=ADDRESS,... gives the transactions naming one of the accounts, as sender or recipient, and nothing else; a subscription takes 256 accounts")
    func accountFilter() async throws {
        let node = try TestNode()
        let fromAlice = await node.transfer(ChainFixture.alice, amount: 1)
        let fromBob = await node.transfer(ChainFixture.bob, amount: 2)
        let fromCarol = await node.transfer(ChainFixture.carol, amount: 3)
        // Addresses no transaction names, to fill a subscription to the cap.
        let strangers = (0..<(NodeEvents.Filter.accountsMax - 1)).compactMap { index in
            Address([UInt8](repeating: 0xee, count: 18) + [UInt8(index >> 8), UInt8(index & 0xff)])
        }
        #expect(strangers.count == NodeEvents.Filter.accountsMax - 1)
        let alice = ChainFixture.alice.publicKey.address, dave = ChainFixture.dave.publicKey.address
        try await withRPC(node.queries) { client in
            let events = EventStreamClient(port: client.port)
            try await events.subscribe("/events?account=\(alice.hex)") { sender in
                try await events.subscribe("/events?account=\(dave.hex)") { recipient in
                    try await events.subscribe("/events?types=block,tx&account=" + ([alice] + strangers).map(\.hex).joined(separator: ",")) { full in
                        #expect(try await sender.head().status == 200)
                        #expect(try await recipient.head().status == 200)
                        #expect(try await full.head().status == 200)
                        #expect(try await sender.nextFrame()?.data == "subscribed to tx events of account \(alice.hex)")
                        #expect(try await recipient.nextFrame()?.data == "subscribed to tx events of account \(dave.hex)")
                        #expect(try await full.nextFrame()?.data == "subscribed to block,tx events of \(NodeEvents.Filter.accountsMax) accounts")
                        for transaction in [fromBob, fromAlice, fromCarol] { _ = try await node.mempool.add(transaction.canonicalBytes) }
                        try await node.finalizeBlock()
                        try await node.finalizeBlock()
                        // Alice's transfer only, then nothing of the second block.
                        let mine = try await sender.nextEvent()
                        #expect(mine?.name == "tx" && value(mine, "hash") == fromAlice.hash.hex)
                        // Dave receives all three, in block order.
                        var received: [String?] = []
                        for _ in 0..<3 { received.append(value(try await recipient.nextEvent(), "hash")) }
                        let blockOrder = try #require(await node.block(1)).transactions.map(\.hash.hex)
                        #expect(received == blockOrder.map(Optional.some))
                        // Blocks pass a filter that asks for them; transactions only when named.
                        let first = try await full.nextEvent(), only = try await full.nextEvent(), second = try await full.nextEvent()
                        #expect(first?.name == "block" && value(first, "height") == "1")
                        #expect(only?.name == "tx" && value(only, "hash") == fromAlice.hash.hex)
                        #expect(second?.name == "block" && value(second, "height") == "2")
                    }
                }
            }
        }
    }

    @Test("bad query parameters get 400 with a one-line error naming the parameter")
    func badParameters() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            for (query, expected) in [("types=blocks", "types must list block and/or tx"), ("types=", "types must list block and/or tx"),
                                      ("tx=abc", "tx must be a transaction hash of 64 hex digits"),
                                      ("account=abc", "account must list addresses of 40 hex digits (20 bytes), comma-separated; got \"abc\""),
                                      ("account=", "account must list addresses of 40 hex digits"),
                                      ("account=" + Array(repeating: ChainFixture.alice.publicKey.address.hex, count: NodeEvents.Filter.accountsMax + 1).joined(separator: ","),
                                       "account names 257 addresses; one subscription takes at most 256"),
                                      ("type=tx", "unknown parameter \"type\" for /events; it takes types, tx and account")] {
                let response = try await client.get("/events?\(query)")
                #expect(response.status == 400, "\(query)")
                let message = text(response, "error.message") ?? ""
                #expect(message.hasPrefix(expected), "\(query): \(message)")
                #expect(!message.contains("\n"))
            }
            #expect(node.events.subscriberCount == 0)
        }
    }

    @Test("over the subscriber cap a client gets 503; a slot frees when a subscriber leaves")
    func subscriberCap() async throws {
        let node = try TestNode(events: NodeEvents(subscribersMax: 2, bufferedEventsMax: 16))
        try await withRPC(node.queries) { client in
            let events = EventStreamClient(port: client.port)
            try await events.subscribe("/events") { first in
                #expect(try await first.head().status == 200)
                try await events.subscribe("/events") { second in
                    #expect(try await second.head().status == 200)
                    let refused = try await client.get("/events")
                    #expect(refused.status == 503)
                    #expect(text(refused, "error.message") == "2 clients already subscribe to events; retry later or close another subscription")
                }
                // The server notices the second client left and releases its slot.
                let deadline = ContinuousClock.now + .seconds(10)
                while node.events.subscriberCount > 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(node.events.subscriberCount == 1)
                let third = try await events.subscribe("/events") { third in try await third.head().status }
                #expect(third == 200)
            }
        }
    }

    @Test("a subscriber that stops reading is cut off with a final event saying why; publishing never waits and others go on")
    func slowSubscriberCutOff() async throws {
        let hub = NodeEvents(subscribersMax: 4, bufferedEventsMax: 256)
        let node = try TestNode(events: hub)
        let filler = try #require(Hash(Array(repeating: 7, count: 32)))
        let transfer = await node.transfer(ChainFixture.alice)
        // A long write timeout: the stalled client must still be there to read the reason.
        try await withRPC(node.queries, limits: HTTPServerLimits(streamWriteTimeoutMillis: 30_000)) { client in
            let events = EventStreamClient(port: client.port)
            try await events.subscribe("/events?types=tx") { reading in
                #expect(try await reading.head().status == 200)
                var stalled = events
                stalled.receiveBufferBytes = 4_096
                try await stalled.subscribe("/events?types=block") { slow in
                    #expect(try await slow.head().status == 200)
                    #expect(hub.subscriberCount == 2)
                    // Publish in batches the server keeps up with (8 a millisecond) until the
                    // stalled subscriber is cut off: its socket buffers, NIO's and then its
                    // 256-event buffer fill. Each call returns at once.
                    var height: Height = 0
                    var slowestPublish = Duration.zero
                    let started = ContinuousClock.now
                    while hub.subscriberCount == 2, height < 2_000_000, ContinuousClock.now - started < .seconds(20) {
                        let batch = (0..<8).map { _ in
                            height += 1
                            return NodeEvent.block(FinalizedBlockEvent(height: height, hash: filler, timeMillis: 0,
                                                                       transactionCount: 0, round: 0, latencyMillis: 0))
                        }
                        let before = ContinuousClock.now
                        hub.publish(batch)
                        slowestPublish = max(slowestPublish, ContinuousClock.now - before)
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    #expect(hub.subscriberCount == 1, "the stalled subscriber was not cut off after \(height) events")
                    // Well past the buffer: the socket really backed up first.
                    #expect(height > 512)
                    #expect(slowestPublish < .milliseconds(500))
                    // It reads again: what was buffered arrives, then the reason.
                    var last: EventStreamClient.Event?
                    while let event = try await slow.nextEvent() { last = event }
                    #expect(last?.name == "end")
                    #expect(value(last, "reason") == "too slow: more than 256 events were waiting to be sent")
                }
                // The other subscriber is still served.
                _ = try await node.mempool.add(transfer.canonicalBytes)
                try await node.finalizeBlock()
                let event = try await reading.nextEvent()
                #expect(event?.name == "tx")
                #expect(value(event, "hash") == transfer.hash.hex)
            }
        }
    }

    @Test("a client that stops reading for longer than the write timeout is disconnected without waiting for its buffer to fill")
    func stalledClientDisconnected() async throws {
        // A buffer too large to overflow here: only the write watchdog can end this stream.
        let hub = NodeEvents(subscribersMax: 4, bufferedEventsMax: 1_000_000)
        let node = try TestNode(events: hub)
        let filler = try #require(Hash(Array(repeating: 9, count: 32)))
        try await withRPC(node.queries, limits: HTTPServerLimits(streamWriteTimeoutMillis: 300)) { client in
            var stalled = EventStreamClient(port: client.port)
            stalled.receiveBufferBytes = 4_096
            try await stalled.subscribe("/events") { slow in
                #expect(try await slow.head().status == 200)
                var height: Height = 0
                let started = ContinuousClock.now
                while hub.subscriberCount == 1, ContinuousClock.now - started < .seconds(30) {
                    hub.publish((0..<8).map { _ in
                        height += 1
                        return NodeEvent.block(FinalizedBlockEvent(height: height, hash: filler, timeMillis: 0, transactionCount: 0,
                                                                   round: 0, latencyMillis: 0))
                    })
                    try await Task.sleep(for: .milliseconds(1))
                }
                #expect(hub.subscriberCount == 0, "still subscribed after \(height) events")
                // What the socket held arrives, then the connection ends, with no end event:
                // a client that does not read would not have read that either.
                var last: EventStreamClient.Event?
                while let event = try await slow.nextEvent() { last = event }
                #expect(last?.name == "block")
            }
        }
    }
}
