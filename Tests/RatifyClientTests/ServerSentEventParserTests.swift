import RatifyClient
import Testing

/// The event-stream parser alone: frames as `GET /events` writes them, cut anywhere.
@Suite("Server-Sent Event parser")
struct ServerSentEventParserTests {
    static let stream = """
        : subscribed to block,tx events

        id: 12
        event: block
        data: {"height":12}

        id: 12.0
        event: tx
        data: {"hash":"95fc","height":12,"index":0}

        : keep-alive

        event: end
        data: {"reason":"too slow"}


        """

    static let expected: [ServerSentEventParser.Item] = [
        .comment("subscribed to block,tx events"),
        .event(ServerSentEvent(name: "block", id: "12", data: #"{"height":12}"#)),
        .event(ServerSentEvent(name: "tx", id: "12.0", data: #"{"hash":"95fc","height":12,"index":0}"#)),
        .comment("keep-alive"),
        .event(ServerSentEvent(name: "end", data: #"{"reason":"too slow"}"#)),
    ]

    @Test("comments and events come out whole and in order however the bytes are chunked", arguments: [1, 2, 7, 64, 10_000])
    func chunking(chunkBytes: Int) throws {
        var parser = ServerSentEventParser()
        let bytes = Array(Self.stream.utf8)
        var items: [ServerSentEventParser.Item] = []
        for start in stride(from: 0, to: bytes.count, by: chunkBytes) {
            items += try parser.feed(bytes[start..<min(bytes.count, start + chunkBytes)])
        }
        #expect(items == Self.expected)
    }

    @Test("CRLF and CR line ends, data on several lines, a field without a space, an event without a name")
    func lineEnds() throws {
        var parser = ServerSentEventParser()
        let items = try parser.feed(Array("data:one\r\ndata: two\r\rid: 7\nevent: tx\ndata: x\n\n".utf8))
        #expect(items == [.event(ServerSentEvent(name: "message", data: "one\ntwo")), .event(ServerSentEvent(name: "tx", id: "7", data: "x"))])
    }

    @Test("a blank line without data dispatches nothing, and the fields before it do not leak into the next event")
    func emptyEvent() throws {
        var parser = ServerSentEventParser()
        let items = try parser.feed(Array("event: block\nid: 3\n\ndata: y\n\n".utf8))
        #expect(items == [.event(ServerSentEvent(name: "message", data: "y"))])
    }

    @Test("a line over the limit is refused, not buffered")
    func lineLimit() {
        var parser = ServerSentEventParser()
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: ServerSentEventParser.lineBytesMax + 1)
        #expect(throws: ServerSentEventParser.Failure.self) { _ = try parser.feed(long) }
        // Exactly the limit, in two chunks, is a line; one more byte in a later chunk is not.
        var atLimit = ServerSentEventParser()
        let half = ServerSentEventParser.lineBytesMax / 2
        let data = Array("data:".utf8)
        let fill = [UInt8](repeating: UInt8(ascii: "b"), count: ServerSentEventParser.lineBytesMax - data.count - half)
        #expect(throws: Never.self) { _ = try atLimit.feed(data + fill) }
        #expect(throws: Never.self) { _ = try atLimit.feed([UInt8](repeating: UInt8(ascii: "b"), count: half)) }
        #expect(throws: ServerSentEventParser.Failure.self) { _ = try atLimit.feed([UInt8(ascii: "b")]) }
        var whole = ServerSentEventParser()
        let items = try? whole.feed(data + fill + [UInt8](repeating: UInt8(ascii: "b"), count: half) + Array("\n\n".utf8))
        #expect(items?.count == 1)
    }

    @Test("a sequence without contiguous storage parses as its bytes do")
    func nonContiguous() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Self.stream.utf8.lazy.map { $0 }) == Self.expected)
    }
}
