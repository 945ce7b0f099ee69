import Foundation
import NIOCore
import NIOPosix

/// A Server-Sent Events client over a real TCP socket: sends `GET path` and reads the stream
/// only when asked, so a test can stop reading (NIO then stops reading the socket, and the
/// server's writes back up as they would for a stalled client).
struct EventStreamClient {
    struct Event: Equatable {
        var id: String?
        /// `event:`, or "comment" for a frame of `:` lines (subscription notice, keep-alive).
        var name: String
        var data: String
    }

    /// The response so far, read through an iterator the test drives. Bytes, not a String:
    /// a String would join the frame's final "\n" and chunked encoding's "\r\n" in ways that
    /// hide the blank line ending a frame.
    struct Reader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending: [UInt8] = []

        /// The status line and headers (lower-cased names).
        mutating func head() async throws -> (status: Int, headers: [String: String]) {
            var end = Self.find([13, 10, 13, 10], in: pending)
            while end == nil {
                guard try await fill() else { return (0, [:]) }
                end = Self.find([13, 10, 13, 10], in: pending)
            }
            guard let end else { return (0, [:]) }
            let lines = String(decoding: pending[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            pending.removeFirst(end + 4)
            let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                let pair = line.split(separator: ":", maxSplits: 1)
                if pair.count == 2 { headers[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
            }
            return (status, headers)
        }

        /// The next frame, comments included; nil once the server has closed. Chunked-encoding
        /// size lines between frames are skipped (every frame is written as one chunk).
        mutating func nextFrame() async throws -> Event? {
            while true {
                if let end = Self.find([10, 10], in: pending) {
                    // Split on bytes: as a String, "\r\n" is one character and never equals "\n".
                    let lines = pending[..<end].split(separator: 10).map { String(decoding: $0, as: UTF8.self) }
                    pending.removeFirst(end + 2)
                    var event = Event(id: nil, name: "", data: "")
                    var comment = ""
                    for line in lines {
                        if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                        if line.hasPrefix("event: ") { event.name = String(line.dropFirst(7)) }
                        if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6)) }
                        if line.hasPrefix(":") { comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces) }
                    }
                    if !event.name.isEmpty { return event }
                    if !comment.isEmpty { return Event(id: nil, name: "comment", data: comment) }
                    continue
                }
                guard try await fill() else { return nil }
            }
        }

        /// The next event that is not a comment.
        mutating func nextEvent() async throws -> Event? {
            while let frame = try await nextFrame() {
                if frame.name != "comment" { return frame }
            }
            return nil
        }

        private mutating func fill() async throws -> Bool {
            do {
                guard let buffer = try await iterator.next() else { return false }
                pending += buffer.readableBytesView
                return true
            } catch is IOError {
                return false  // reset by the server
            }
        }

        static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            return (0...(bytes.count - needle.count)).first { start in bytes[start..<(start + needle.count)].elementsEqual(needle) }
        }
    }

    let port: Int
    /// A small receive buffer makes a client that stops reading back up sooner.
    var receiveBufferBytes: Int?

    func subscribe<T>(_ path: String, _ body: (inout Reader) async throws -> T) async throws -> T {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBufferBytes { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"))
            var reader = Reader(iterator: inbound.makeAsyncIterator())
            return try await body(&reader)
        }
    }
}
