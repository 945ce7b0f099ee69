@testable import RatifyRPC
import NIOCore
import NIOPosix

/// A deliberately dumb HTTP client over a real TCP socket: it writes exactly the bytes given
/// (so tests can send malformed or oversized requests) and reads until the server closes the
/// connection or a complete response has arrived.
struct RawHTTPClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        var closedWithoutResponse: Bool { status == 0 }
    }

    let port: Int

    /// Sends `request` and reads the response; `status` 0 when the server closed without one.
    func exchange(_ request: [UInt8], readTimeout: Duration = .seconds(10)) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            // A server that refuses the connection may reset it before or while we write:
            // for the caller that is a connection closed without a response.
            do {
                if !request.isEmpty { try await outbound.write(ByteBuffer(bytes: request)) }
            } catch is ChannelError {
                return Self.parse([])
            } catch is IOError {
                return Self.parse([])
            }
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + readTimeout
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    var bytes: [UInt8] = []
                    do {
                        for try await buffer in inbound {
                            bytes.append(contentsOf: buffer.readableBytesView)
                            if Self.isComplete(bytes) { break }
                        }
                    } catch is IOError {
                        // Reset by the server: what arrived before the reset is the answer.
                    }
                    return bytes
                }
                group.addTask {
                    try await Task.sleep(until: deadline)
                    return nil
                }
                received = try await group.next().flatMap { $0 } ?? []
                group.cancelAll()
                return Self.parse(received)
            }
        }
    }

    /// Sends `request` (several pipelined requests, the last with `Connection: close`) and
    /// returns every response, in the order read, once the server closes the connection.
    func exchangeAll(_ request: [UInt8], readTimeout: Duration = .seconds(10)) async throws -> [Response] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let bytes = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: request))
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    var bytes: [UInt8] = []
                    for try await buffer in inbound { bytes.append(contentsOf: buffer.readableBytesView) }
                    return bytes
                }
                group.addTask {
                    try await Task.sleep(for: readTimeout)
                    return nil
                }
                let bytes = try await group.next().flatMap { $0 } ?? []
                group.cancelAll()
                return bytes
            }
        }
        var responses: [Response] = []
        var rest = bytes[...]
        while let split = Self.headerEnd(Array(rest)) {
            let head = Self.parse(Array(rest.prefix(split + 4)))
            let length = Int(head.headers["content-length"] ?? "") ?? 0
            let end = rest.startIndex + split + 4 + length
            guard end <= rest.endIndex else { break }
            responses.append(Self.parse(Array(rest[rest.startIndex..<end])))
            rest = rest[end...]
        }
        return responses
    }

    func get(_ path: String, extraHeaders: String = "") async throws -> Response {
        try await exchange(Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(extraHeaders)Connection: close\r\n\r\n".utf8))
    }

    func send(_ method: String, _ path: String, body: [UInt8], contentType: String = "text/plain") async throws -> Response {
        let head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return try await exchange(Array(head.utf8) + body)
    }

    func post(_ path: String, _ body: String, contentType: String = "text/plain") async throws -> Response {
        try await send("POST", path, body: Array(body.utf8), contentType: contentType)
    }

    static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let split = headerEnd(bytes) else { return false }
        let head = String(decoding: bytes[..<split], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count - (split + 4) >= length
    }

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    static func parse(_ bytes: [UInt8]) -> Response {
        guard let split = headerEnd(bytes) else { return Response(status: 0, headers: [:], body: "") }
        let lines = String(decoding: bytes[..<split], as: UTF8.self).split(separator: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return Response(status: status, headers: headers, body: String(decoding: bytes[(split + 4)...], as: UTF8.self))
    }
}
