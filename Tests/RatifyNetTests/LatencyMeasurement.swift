import Foundation
import NIOCore
import NIOPosix
import RatifyCore
import Testing
@testable import RatifyNet

/// Loopback measurements for docs/PERFORMANCE.md, skipped unless RATIFY_NET_BENCH is set
/// (timed tests are not tests; this prints figures and checks only that every message arrived):
///
///     RATIFY_NET_BENCH=1 swift test -c release --filter LatencyMeasurement
@Suite("loopback measurements", .serialized, .enabled(if: ProcessInfo.processInfo.environment["RATIFY_NET_BENCH"] != nil))
struct LatencyMeasurement {
    static let roundTrips = 2_000
    static let throughputMessages = 50_000

    @Test("vote round trip through an encrypted session, against a plain SwiftNIO echo")
    func voteRoundTrip() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var configA = makeConfig(0), configB = makeConfig(1)
        configA.gossipIntervalMillis = 1_000
        configB.gossipIntervalMillis = 1_000
        let b = PeerManager(config: configB, group: group)
        try await b.start()
        configA.persistentPeers = [address(of: b)]
        let a = PeerManager(config: configA, group: group)
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 && b.connectedPeers.count == 1 })
        // B answers every prevote with the matching precommit (B knows A has the prevote, so it
        // would not send that back); each round trip uses a distinct height (no duplicate drop).
        let echo = Task {
            for await inbound in b.inbound {
                guard case .vote(var vote) = inbound.message else { continue }
                vote.type = .precommit
                _ = b.send(.vote(vote), to: inbound.peer)
            }
        }
        let votes = (0..<(Self.roundTrips + 100)).map { NetSamples.vote(height: Height(10_000 + $0)) }
        var iterator = a.inbound.makeAsyncIterator()
        var samples: [Duration] = []
        for (index, vote) in votes.enumerated() {
            let start = ContinuousClock.now
            _ = a.send(.vote(vote), to: b.nodeID)
            guard let back = await iterator.next(), case .vote(let answer) = back.message, answer.height == vote.height else { break }
            if index >= 100 { samples.append(ContinuousClock.now - start) } // first 100 warm up
        }
        #expect(samples.count == Self.roundTrips)
        let session = Self.summary(samples)
        let plain = try await Self.plainEcho(group: group, bytes: NetMessage.vote(votes[0]).encoded.count)
        print("vote round trip through a session: \(session)")
        print("plain SwiftNIO echo, same size:    \(Self.summary(plain))")
        echo.cancel()
        await a.shutdown()
        await b.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("messages per second through one session")
    func throughput() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var configA = makeConfig(0), configB = makeConfig(1)
        configA.sendQueueBytesMax = 1 << 40
        configA.sendQueueBytesTotalMax = 1 << 40
        configB.deliveryBufferMax = Self.throughputMessages + 1
        configB.inboundFramesPerSecond = 1_000_000
        let b = PeerManager(config: configB, group: group)
        try await b.start()
        configA.persistentPeers = [address(of: b)]
        let a = PeerManager(config: configA, group: group)
        try await a.start()
        #expect(await Wait.until { a.connectedPeers.count == 1 })
        let votes = (0..<Self.throughputMessages).map { index in
            var vote = NetSamples.vote()
            vote.height = Height(index) // unsigned variants are fine: the default verifier does not check votes
            return vote
        }
        let start = ContinuousClock.now
        for vote in votes { _ = a.send(.vote(vote), to: b.nodeID) }
        var received = 0
        for await _ in b.inbound {
            received += 1
            if received == votes.count { break }
        }
        let elapsed = ContinuousClock.now - start
        #expect(received == votes.count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("one session: \(votes.count) votes in \(elapsed), \(Int(Double(votes.count) / seconds)) messages/s")
        await a.shutdown()
        await b.shutdown()
        try await group.shutdownGracefully()
    }

    static func summary(_ samples: [Duration]) -> String {
        let micros = samples.map { Double($0.components.attoseconds) / 1e12 + Double($0.components.seconds) * 1e6 }.sorted()
        guard !micros.isEmpty else { return "no samples" }
        func pct(_ p: Double) -> Int { Int(micros[min(micros.count - 1, Int(Double(micros.count) * p))]) }
        return "n=\(micros.count) p50 \(pct(0.5)) µs, p90 \(pct(0.9)) µs, p99 \(pct(0.99)) µs"
    }

    /// Round trips of `bytes`-byte messages through a plain NIO TCP echo on loopback.
    static func plainEcho(group: EventLoopGroup, bytes: Int) async throws -> [Duration] {
        final class Echo: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
        }
        final class Waiter: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            let expected: Int
            var got = 0
            var promise: EventLoopPromise<Void>?
            init(expected: Int) { self.expected = expected }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                got += unwrapInboundIn(data).readableBytes
                if got >= expected { got -= expected; promise?.succeed(); promise = nil }
            }
        }
        let server = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Waiter(expected: bytes)) } }
            .connect(host: "127.0.0.1", port: server.localAddress?.port ?? 0).get()
        let payload = [UInt8](repeating: 0x5A, count: bytes)
        var samples: [Duration] = []
        for index in 0..<(roundTrips + 100) {
            let start = ContinuousClock.now
            let done = try await client.eventLoop.submit {
                let promise = client.eventLoop.makePromise(of: Void.self)
                let waiter = try client.pipeline.syncOperations.handler(type: Waiter.self)
                waiter.promise = promise
                var buffer = client.allocator.buffer(capacity: bytes)
                buffer.writeBytes(payload)
                client.writeAndFlush(buffer, promise: nil)
                return promise.futureResult
            }.get()
            try await done.get()
            if index >= 100 { samples.append(ContinuousClock.now - start) }
        }
        try await client.close()
        try await server.close()
        return samples
    }
}
