#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RatifyCore
import Synchronization
import Testing
@testable import RatifyClient

/// The client against a real listening socket that closes some connections without answering,
/// as a node at its connection limit or in a restart does.
@Suite("RPC client: connections the node closes")
struct RPCClientRetryTests {
    /// A loopback server on its own thread: the first `dropFirst` connections are accepted and
    /// closed at once, then each later one gets `answer`. Serves at most `connectionsMax`.
    final class DroppingServer: Sendable {
        let port: UInt16
        let accepted = Atomic<Int>(0)
        private let socket: Int32

        init(dropFirst: Int, answer: String, connectionsMax: Int = 8) throws {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.socket = socket
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0 && listen(socket, 16) == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            port = UInt16(bigEndian: address.sin_port)
            let listener = socket
            Thread.detachNewThread { [self] in
                for _ in 0..<connectionsMax {
                    let connection = accept(listener, nil, nil)
                    guard connection >= 0 else { return }
                    let index = accepted.add(1, ordering: .relaxed).newValue
                    if index > dropFirst {
                        var request = [UInt8](repeating: 0, count: 4096)
                        _ = read(connection, &request, request.count)
                        let response = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\nConnection: close\r\n\r\n\(answer)".utf8)
                        _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                    close(connection)
                }
            }
        }

        func stop() { shutdown(socket, Int32(SHUT_RDWR)); close(socket) }
    }

    @Test("a GET whose connection the node closes unanswered is asked again on a fresh connection, and answered")
    func getRetries() async throws {
        let server = try DroppingServer(dropFirst: 2, answer: #"{"ok":true}"#)
        defer { server.stop() }
        let client = RPCClient(node: NodeURL(endpoint: HostPort(host: "127.0.0.1", port: server.port)), timeout: .seconds(10))
        let reply = try await client.get("/status")
        #expect(reply.status == 200)
        #expect(server.accepted.load(ordering: .relaxed) == 3, "two closed connections, then the answered one")
    }

    @Test("a GET whose every connection is closed fails after three attempts as a bad answer, not as an unreachable node")
    func getGivesUp() async throws {
        let server = try DroppingServer(dropFirst: 100, answer: "{}")
        defer { server.stop() }
        let client = RPCClient(node: NodeURL(endpoint: HostPort(host: "127.0.0.1", port: server.port)), timeout: .seconds(10))
        do {
            _ = try await client.get("/status")
            Issue.record("a node that never answers must fail")
        } catch {
            guard case .badResponse(_, let reason) = error else { Issue.record("expected a bad answer, got \(error)"); return }
            #expect(reason.hasPrefix("the node closed the connection before answering"))
        }
        #expect(server.accepted.load(ordering: .relaxed) == RPCClient.getAttemptsMax)
    }

    @Test("a POST whose connection is closed is not repeated, and the error says the node may have received it")
    func postIsNotRepeated() async throws {
        let server = try DroppingServer(dropFirst: 1, answer: "{}")
        defer { server.stop() }
        let client = RPCClient(node: NodeURL(endpoint: HostPort(host: "127.0.0.1", port: server.port)), timeout: .seconds(10))
        do {
            _ = try await client.post("/tx", body: Array("00".utf8))
            Issue.record("a closed POST must fail")
        } catch {
            #expect(error.description.contains("ratify query tx HASH"), "\(error)")
        }
        #expect(server.accepted.load(ordering: .relaxed) == 1)
    }
}
