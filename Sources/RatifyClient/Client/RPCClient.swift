#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RatifyCore

/// A minimal HTTP/1.1 client for the node's RPC (docs/RPC.md): one request per connection
/// (`Connection: close`), the whole exchange bounded by a timeout and the answer by a size
/// limit. SwiftNIO is already the node's HTTP stack; for an `https://` node (a TLS proxy in
/// front of it) NIOSSL wraps the same exchange, verifying the certificate chain against the
/// system's roots or `--ca-file` and the certificate's names against the host.
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

    /// A new HTTP/1.1 connection to the node; over TLS, one whose handshake has verified the
    /// server's certificate, so nothing is ever sent to a server that was not verified.
    func connect() async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        let endpoint = node.endpoint
        let tlsContext = try node.tls.map { trust throws(ClientError) in try Self.tlsContext(trust, node: node.description) }
        // SNI and the certificate's DNS names for a host name; for an IP address NIOSSL checks
        // the certificate's IP addresses against the connected peer instead.
        let serverHostname = Self.isIPAddress(endpoint.host) ? nil : endpoint.host
        let (channel, handshake) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: Int(endpoint.port)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    var handshake: EventLoopFuture<Void>?
                    if let tlsContext {
                        let observer = TLSHandshakeObserver(promise: channel.eventLoop.makePromise())
                        handshake = observer.promise.futureResult
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                        try channel.pipeline.syncOperations.addHandler(observer)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    let asyncChannel = try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    return (asyncChannel, handshake)
                }
            }
        // A refused certificate is a TLS failure, which asking again would not change.
        if let handshake {
            do {
                try await handshake.get()
            } catch {
                // The async channel's reader and writer must be finished, not dropped.
                try? await channel.executeThenClose { _, _ in }
                if error is TLSHandshakeObserver.ClosedDuringHandshake { throw ConnectionLost(reason: "closed during the TLS handshake") }
                throw ClientError.tls(node: node.description, reason: Self.describeTLSFailure(error, host: endpoint.host, trust: node.tls))
            }
        }
        return channel
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

    /// The client side of TLS: certificate chain and host name both verified (NIOSSL's
    /// default), against the system's roots or the CA certificates of `--ca-file`.
    static func tlsContext(_ trust: TLSTrust, node: String) throws(ClientError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if case .caFile(let path) = trust {
            let certificates: [NIOSSLCertificate]
            guard access(path, R_OK) == 0 else {
                throw .argument(option: "--ca-file", reason: "\(path): \(String(cString: strerror(errno)).lowercased())")
            }
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw .argument(option: "--ca-file", reason: "\(path): not a file of PEM certificates (\(error))")
            }
            guard !certificates.isEmpty else {
                throw .argument(option: "--ca-file", reason: "\(path): holds no PEM certificate")
            }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tls(node: node, reason: "cannot set up TLS: \(error)")
        }
    }

    /// One line for a failed TLS handshake, saying what to do about it.
    static func describeTLSFailure(_ error: any Error, host: String, trust: TLSTrust?) -> String {
        let roots = switch trust {
        case .caFile(let path): "the CA certificates in \(path)"
        case .systemRoots, nil: "the system's trusted CAs; if a private CA signed it, pass that CA with --ca-file FILE"
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate is not valid for \(host) (its names do not include it)"
        }
        if let ssl = error as? NIOSSLError, case .handshakeFailed(let boring) = ssl {
            let detail = "\(boring)"
            if detail.contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's certificate is not trusted: it does not chain to \(roots) (\(detail))"
            }
            if detail.contains("WRONG_VERSION_NUMBER") || detail.contains("HTTP_REQUEST") {
                return "the server did not answer in TLS; the node itself serves plain HTTP: use http:// for it, https:// only for a TLS proxy"
            }
            return "the TLS handshake failed: \(detail)"
        }
        return "the TLS handshake failed: \(describe(error))"
    }

    /// Whether `host` is an IPv4 or IPv6 literal rather than a name.
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
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
