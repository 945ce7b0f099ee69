#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import RatifyCore

/// A minimal HTTP/1.1 client for the node's RPC (docs/RPC.md): one request per connection
/// (`Connection: close`), the whole exchange bounded by a timeout and the answer by a size
/// limit. SwiftNIO is already the node's HTTP stack, so this adds no dependency.
public struct RPCClient: Sendable {
    /// The largest answer read: a full block at the block size limit, rendered as JSON hex.
    public static let responseBytesMax = 40 * 1024 * 1024

    public let node: NodeURL
    /// For the whole exchange. `POST /tx?wait=final` waits up to the node's own timeout
    /// (10 s by default) before answering, so the default leaves room for it.
    public var timeout: Duration

    public init(node: NodeURL, timeout: Duration = .seconds(30)) {
        self.node = node
        self.timeout = timeout
    }

    public func get(_ target: String) async throws(ClientError) -> RPCReply {
        try await exchange(method: .GET, target: target, body: [])
    }

    public func post(_ target: String, body: [UInt8]) async throws(ClientError) -> RPCReply {
        try await exchange(method: .POST, target: target, body: body)
    }

    /// A GET is asked this many times when the node closes the connection before answering
    /// (a server at its connection limit, or one restarting): GETs change nothing, so asking
    /// again on a fresh connection is safe. A POST is never repeated.
    static let getAttemptsMax = 3

    private func exchange(method: HTTPMethod, target: String, body: [UInt8]) async throws(ClientError) -> RPCReply {
        var attempt = 1
        while true {
            do {
                return try await exchangeOnce(method: method, target: target, body: body)
            } catch let lost as ConnectionLost {
                guard method == .GET, attempt < Self.getAttemptsMax else {
                    let advice = method == .POST ? "; the node may have received it: look the transaction up with `ratify query tx HASH`" : ""
                    throw .badResponse(node: node.description, reason: "the node closed the connection before answering (\(lost.reason))\(advice)")
                }
                attempt += 1
                try? await Task.sleep(for: .milliseconds(20 * attempt))
            } catch let error as ClientError {
                throw error
            } catch {
                throw .badResponse(node: node.description, reason: Self.describe(error))
            }
        }
    }

    /// The connection was made, then closed before a whole answer arrived.
    struct ConnectionLost: Error {
        let reason: String
    }

    private func exchangeOnce(method: HTTPMethod, target: String, body: [UInt8]) async throws -> RPCReply {
        let (status, bytes): (Int, [UInt8])
        do {
            (status, bytes) = try await withThrowingTaskGroup(of: (Int, [UInt8])?.self) { group in
                group.addTask { try await self.send(method: method, target: target, body: body) }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let answer = first else {
                    throw ClientError.timedOut(node: node.description, seconds: Int(timeout.components.seconds))
                }
                return answer
            }
        } catch let error as ClientError {
            throw error
        } catch let lost as ConnectionLost {
            throw lost
        } catch {
            throw ClientError.unreachable(node: node.description, reason: Self.describe(error))
        }
        guard status > 0 else { throw ConnectionLost(reason: "no HTTP status line") }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes, file: "\(node)\(target)")
        } catch {
            throw ClientError.badResponse(node: node.description, reason: "HTTP status \(status) with a body that is not JSON (\(error.reason)); is this a Ratify node?")
        }
        return RPCReply(status: status, body: parsed)
    }

    /// A new HTTP/1.1 connection to the node.
    func connect() async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        let endpoint = node.endpoint
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: Int(endpoint.port)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func send(method: HTTPMethod, target: String, body: [UInt8]) async throws -> (Int, [UInt8]) {
        let endpoint = node.endpoint
        let channel = try await connect()
        // Connected: from here on, a failure means the node closed the connection (a reset, a
        // write on a channel it closed, end of stream before the answer's end).
        do {
            return try await exchange(on: channel, method: method, target: target, body: body, endpoint: endpoint)
        } catch let error as ClientError {
            throw error
        } catch {
            throw ConnectionLost(reason: Self.describe(error))
        }
    }

    private func exchange(on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, method: HTTPMethod,
                          target: String, body: [UInt8], endpoint: HostPort) async throws -> (Int, [UInt8]) {
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
            head.headers.add(name: "Host", value: endpoint.description)
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Accept", value: "application/json")
            if method == .POST {
                head.headers.add(name: "Content-Type", value: "text/plain")
                head.headers.add(name: "Content-Length", value: String(body.count))
            }
            try await outbound.write(.head(head))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status = 0
            var received: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    status = Int(responseHead.status.code)
                case .body(var buffer):
                    guard received.count + buffer.readableBytes <= Self.responseBytesMax else {
                        throw ClientError.badResponse(node: node.description, reason: "the answer is larger than \(Self.responseBytesMax) bytes")
                    }
                    received += buffer.readBytes(length: buffer.readableBytes) ?? []
                case .end:
                    return (status, received)
                }
            }
            throw ConnectionLost(reason: "end of stream before the whole answer")
        }
    }

    /// "connection refused" rather than NIO's nested error descriptions.
    static func describe(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if let failure = connection.connectionErrors.first {
                return describe(failure.error)
            }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve \(connection.host): \(dns)" }
            return "cannot connect to \(connection.host):\(connection.port)"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "connection timed out" }
        if let channel = error as? ChannelError, case .ioOnClosedChannel = channel { return "the connection was closed" }
        return "\(error)"
    }
}
