import NIOCore
import NIOPosix
import RatifyCore
import Synchronization
import Testing
@testable import RatifyBench

/// The load generator's `/events` reader against a real loopback socket that answers with
/// fixed bytes: a node's stream that delivers, cuts the subscriber off, or refuses.
@Suite("transaction event stream")
struct TransactionEventStreamTests {
    /// Answers every connection on a loopback port with `answer` once the request arrives,
    /// then closes it (a node's stream ends the same way).
    final class OneAnswerServer: Sendable {
        let channel: Channel
        let request: Recorded

        init(answer: String) async throws {
            let request = Recorded()
            self.request = request
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(FixedAnswerHandler(answer: answer, request: request))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var port: Int { channel.localAddress?.port ?? 0 }

        func stop() { channel.close(promise: nil) }
    }

    /// The first bytes of the request the server read.
    final class Recorded: Sendable {
        let text = Mutex("")
    }

    final class FixedAnswerHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: String
        let request: Recorded
        private var answered = false

        init(answer: String, request: Recorded) {
            self.answer = answer
            self.request = request
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            let bytes = unwrapInboundIn(data)
            request.text.withLock { $0 = String(buffer: bytes) }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: written)
            written.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }

    /// What the stream reported.
    final class Seen: Sendable {
        let finals = Mutex<[(Hash, UInt64)]>([])
        let ends = Mutex<[String]>([])

        /// Waits (bounded) for the end to be reported; the bound is a hang guard, not a timing assertion.
        func waitForEnd() async {
            for _ in 0..<500 where ends.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    static let streamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    static let first = Hash([UInt8](repeating: 0xab, count: 32)) ?? .zero
    static let second = Hash([UInt8](repeating: 0xcd, count: 32)) ?? .zero

    static func txEvent(_ hash: Hash, height: UInt64, index: Int) -> String {
        "id: \(height).\(index)\nevent: tx\ndata: {\"hash\":\"\(hash.hex)\",\"height\":\(height),\"index\":\(index),\"tx_result\":{\"code\":0,\"log\":\"\"}}\n\n"
    }

    static func open(_ server: OneAnswerServer, _ seen: Seen) async throws -> TransactionEventStream {
        try await TransactionEventStream.open(host: "127.0.0.1", port: server.port, group: MultiThreadedEventLoopGroup.singleton,
                                              onFinal: { hash, height in seen.finals.withLock { $0.append((hash, height)) } },
                                              onEnd: { reason in seen.ends.withLock { $0.append(reason) } })
    }

    @Test("tx events arrive with hash and height; a node that cuts the subscriber off is reported once with its reason")
    func deliversThenCutOff() async throws {
        let server = try await OneAnswerServer(answer: Self.streamHead + ": subscribed to tx events\n\n"
            + Self.txEvent(Self.first, height: 7, index: 0) + ": keep-alive\n\n" + Self.txEvent(Self.second, height: 8, index: 3)
            + "event: end\ndata: {\"reason\":\"too slow: more than 4 events were waiting to be sent\"}\n\n")
        defer { server.stop() }
        let seen = Seen()
        let stream = try await Self.open(server, seen)
        defer { stream.close() }
        await seen.waitForEnd()
        #expect(server.request.text.withLock { $0.hasPrefix("GET /events?types=tx HTTP/1.1\r\n") })
        let finals = seen.finals.withLock { $0 }
        #expect(finals.map(\.0) == [Self.first, Self.second])
        #expect(finals.map(\.1) == [7, 8])
        #expect(seen.ends.withLock { $0 } == ["too slow: more than 4 events were waiting to be sent"])
    }

    @Test("a stream closed without an end event is reported as ended, not left waiting")
    func closedWithoutEnd() async throws {
        let server = try await OneAnswerServer(answer: Self.streamHead + ": subscribed to tx events\n\n" + Self.txEvent(Self.first, height: 2, index: 0))
        defer { server.stop() }
        let seen = Seen()
        let stream = try await Self.open(server, seen)
        defer { stream.close() }
        await seen.waitForEnd()
        #expect(seen.finals.withLock { $0.count } == 1)
        #expect(seen.ends.withLock { $0 } == ["the node ended the response"])
    }

    @Test("a node without /events refuses the subscription with its message, and nothing is reported as an end")
    func refused() async throws {
        let body = #"{"error":{"code":404,"message":"no endpoint /events; see docs/RPC.md for the list"}}"#
        let server = try await OneAnswerServer(answer: "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
        defer { server.stop() }
        let seen = Seen()
        do {
            _ = try await Self.open(server, seen)
            Issue.record("a 404 must not open a stream")
        } catch {
            #expect("\(error)" == "/events answered 404: no endpoint /events; see docs/RPC.md for the list")
        }
        #expect(seen.ends.withLock { $0.isEmpty })
    }
}
