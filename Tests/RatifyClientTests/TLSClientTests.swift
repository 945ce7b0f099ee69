#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RatifyCore
import RatifyTestSupport
import Testing
@testable import RatifyClient

/// The client against a real TLS endpoint on loopback, as a TLS proxy in front of a node
/// (docs/DEPLOY.md) is one: NIOSSL serving HTTPS with a certificate from a private test CA.
@Suite("RPC client: https:// nodes")
struct TLSClientTests {
    /// A test CA and two server certificates it signed, valid until 2126 (EC P-256), made with
    /// `openssl req -x509 -newkey ec ...` and `openssl x509 -req ...`: `localhost` is for
    /// IP 127.0.0.1 and DNS localhost, `misnamed` only for DNS rpc.example.org; both use `serverKey`.
    static let caPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBmjCCAT+gAwIBAgIUD1FkhjUChwR8VhEUAYWW7XFN7CgwCgYIKoZIzj0EAwIw
        GTEXMBUGA1UEAwwOUmF0aWZ5IHRlc3QgQ0EwIBcNMjYxMjA0MDg1MTM4WhgPMjEy
        NjExMTAwODUxMzhaMBkxFzAVBgNVBAMMDlJhdGlmeSB0ZXN0IENBMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEoXA+IwSDaxZMGIncvLljDw4o8etMVM3WO51ySDm2
        HeSUxvcan5XJqnOhJri6losk//uJQMq/G+lFUorjwPnpK6NjMGEwHQYDVR0OBBYE
        FIDK7xf5U/M9uVOWDHGapuUh1hUdMB8GA1UdIwQYMBaAFIDK7xf5U/M9uVOWDHGa
        puUh1hUdMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49
        BAMCA0kAMEYCIQCHZPejMMSo3XfE0bP0Bh+YNN5yqLMvG1MPw+z2k10bBwIhAMky
        fVr/kl2s1GZXqxrjB7wa7v9+htUhvCoJQ6Ds0hxL
        -----END CERTIFICATE-----
        """
    static let localhostPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBrjCCAVWgAwIBAgIUXGj+JRLr9gQ1lNkGu+C9bBep4REwCgYIKoZIzj0EAwIw
        GTEXMBUGA1UEAwwOUmF0aWZ5IHRlc3QgQ0EwIBcNMjYxMjA0MDg1MTM4WhgPMjEy
        NjExMTAwODUxMzhaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEG
        CCqGSM49AwEHA0IABDCoZcN48YpNMTaX6uHFqJsBRm0uqchsbnQZWxRkzarxZYyf
        Km1o2m5z/dUlqoP8DVHDd/lzA25TPhKOfUsKIySjfjB8MBoGA1UdEQQTMBGHBH8A
        AAGCCWxvY2FsaG9zdDAJBgNVHRMEAjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0G
        A1UdDgQWBBQ/vgjJW24mgc7OFTH6oUFasuEhLjAfBgNVHSMEGDAWgBSAyu8X+VPz
        PblTlgxxmqblIdYVHTAKBggqhkjOPQQDAgNHADBEAiAYqfspUlcakcLpNR3tNpww
        uH3aY2KhSkeAQrUDj8z37AIgMFsyqr/eZLI3pEIcxEmyDUW1HU4n4cVanppE9PcF
        qwY=
        -----END CERTIFICATE-----
        """
    static let misnamedPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBsDCCAVWgAwIBAgIUXGj+JRLr9gQ1lNkGu+C9bBep4RIwCgYIKoZIzj0EAwIw
        GTEXMBUGA1UEAwwOUmF0aWZ5IHRlc3QgQ0EwIBcNMjYxMjA0MDg1MTM5WhgPMjEy
        NjExMTAwODUxMzlaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEG
        CCqGSM49AwEHA0IABDCoZcN48YpNMTaX6uHFqJsBRm0uqchsbnQZWxRkzarxZYyf
        Km1o2m5z/dUlqoP8DVHDd/lzA25TPhKOfUsKIySjfjB8MBoGA1UdEQQTMBGCD3Jw
        Yy5leGFtcGxlLm9yZzAJBgNVHRMEAjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0G
        A1UdDgQWBBQ/vgjJW24mgc7OFTH6oUFasuEhLjAfBgNVHSMEGDAWgBSAyu8X+VPz
        PblTlgxxmqblIdYVHTAKBggqhkjOPQQDAgNJADBGAiEAodPmkHrZpY/ljAiCg2FS
        bL0N+1G7DQeMsueXz+ToZeICIQC4F43aJf1A3/6YH6e0Nrn7TzL3/nsp9gNOZuHE
        1zZskA==
        -----END CERTIFICATE-----
        """
    static let serverKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3keqGozJxdkhp/66
        qWMsrTTwOq4pI3gvQyIUj/EAt5GhRANCAAQwqGXDePGKTTE2l+rhxaibAUZtLqnI
        bG50GVsUZM2q8WWMnyptaNpuc/3VJaqD/A1Rw3f5cwNuUz4Sjn1LCiMk
        -----END PRIVATE KEY-----
        """

    /// What the server answers every request with, as a node's `/status` would start.
    static let statusBody = #"{"node_info": {"network": "tls-test", "id": "ab", "moniker": "behind-proxy"}}"#

    /// HTTPS on 127.0.0.1 (a port the kernel picks): answers each request with `body`, then closes.
    final class HTTPSServer: Sendable {
        let channel: any Channel
        var port: UInt16 { UInt16(channel.localAddress?.port ?? 0) }

        init(certificatePEM: String, body: String) async throws {
            let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
            let key = try NIOSSLPrivateKey(bytes: Array(TLSClientTests.serverKeyPEM.utf8), format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
            let context = try NIOSSLContext(configuration: configuration)
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Answer(body: body))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() async throws { try await channel.close() }
    }

    final class Answer: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let body: String

        init(body: String) { self.body = body }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            head.headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            // NIOSSL sends what is queued, then close_notify, before the socket closes.
            context.close(promise: nil)
        }
    }

    /// `node` through RPCClient, expecting a TLS failure; returns its reason.
    func tlsFailure(_ node: NodeURL) async -> String? {
        do {
            _ = try await RPCClient(node: node, timeout: .seconds(20)).get("/status")
            Issue.record("\(node) must fail")
            return nil
        } catch {
            guard case .tls(let failedNode, let reason) = error else { Issue.record("expected a TLS error, got \(error)"); return nil }
            #expect(failedNode == node.description)
            return reason
        }
    }

    @Test("an https:// node whose certificate chains to --ca-file answers, by IP address and by host name")
    func trustedByCAFile() async throws {
        let directory = try TemporaryDirectory()
        let caFile = try directory.write("ca.pem", Self.caPEM)
        let server = try await HTTPSServer(certificatePEM: Self.localhostPEM, body: Self.statusBody)
        for host in ["127.0.0.1", "localhost"] {
            let node = try NodeURL.parse("https://\(host):\(server.port)", caFile: caFile)
            let reply = try await RPCClient(node: node, timeout: .seconds(20)).get("/status")
            #expect(reply.status == 200)
            #expect(reply.body["node_info"]?["moniker"]?.stringValue == "behind-proxy")
        }
        try await server.stop()
    }

    @Test("with the system's roots, a certificate from a private CA is refused, naming --ca-file")
    func untrustedBySystemRoots() async throws {
        let server = try await HTTPSServer(certificatePEM: Self.localhostPEM, body: Self.statusBody)
        let reason = await tlsFailure(try NodeURL.parse("https://127.0.0.1:\(server.port)"))
        #expect(reason?.hasPrefix("the server's certificate is not trusted: it does not chain to the system's trusted CAs") == true, "\(reason ?? "")")
        #expect(reason?.contains("--ca-file FILE") == true)
        try await server.stop()
    }

    @Test("a trusted certificate for another name is refused, naming the host")
    func misnamedCertificate() async throws {
        let directory = try TemporaryDirectory()
        let caFile = try directory.write("ca.pem", Self.caPEM)
        let server = try await HTTPSServer(certificatePEM: Self.misnamedPEM, body: Self.statusBody)
        let reason = await tlsFailure(try NodeURL.parse("https://127.0.0.1:\(server.port)", caFile: caFile))
        #expect(reason == "the server's certificate is not valid for 127.0.0.1 (its names do not include it)")
        try await server.stop()
    }

    @Test("https:// to a server that speaks plain HTTP says so instead of retrying")
    func plainServer() async throws {
        let server = try RPCClientRetryTests.DroppingServer(dropFirst: 0, answer: "{}")
        defer { server.stop() }
        let reason = await tlsFailure(try NodeURL.parse("https://127.0.0.1:\(server.port)"))
        #expect(reason?.hasPrefix("the server did not answer in TLS") == true, "\(reason ?? "")")
        #expect(server.accepted.load(ordering: .relaxed) == 1, "a TLS failure is not asked again")
    }

    @Test("--ca-file that is missing or holds no certificate is an argument error before any connection")
    func badCAFile() async throws {
        let directory = try TemporaryDirectory()
        let notPEM = try directory.write("notes.txt", "not a certificate")
        for (file, expected) in [(directory.path + "/missing.pem", "no such file"), (notPEM, "not a file of PEM certificates")] {
            do {
                _ = try await RPCClient(node: try NodeURL.parse("https://127.0.0.1:1", caFile: file)).get("/status")
                Issue.record("\(file) must be refused")
            } catch {
                guard case .argument(let option, let reason) = error else { Issue.record("expected an argument error, got \(error)"); continue }
                #expect(option == "--ca-file")
                #expect(reason.hasPrefix(file + ": "))
                #expect(reason.contains(expected))
            }
        }
    }

    @Test("ratify query status --node https://... --ca-file prints the answer; without --ca-file it fails with one line")
    func cliOverTLS() async throws {
        let directory = try TemporaryDirectory()
        let caFile = try directory.write("ca.pem", Self.caPEM)
        let server = try await HTTPSServer(certificatePEM: Self.localhostPEM, body: Self.statusBody)
        let node = "https://localhost:\(server.port)"
        let trusted = try BuiltCommand.run(BuiltCommand.ratify, ["query", "status", "--node", node, "--ca-file", caFile, "--json"])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect((try? JSONParser.parse(Array(trusted.stdout.utf8), file: "stdout"))?["node_info"]?["network"]?.stringValue == "tls-test")
        let untrusted = try BuiltCommand.run(BuiltCommand.ratify, ["query", "status", "--node", node])
        #expect(untrusted.status == 1)
        #expect(untrusted.stdout.isEmpty)
        #expect(untrusted.stderr.hasPrefix("TLS with \(node): the server's certificate is not trusted"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.filter { $0 == "\n" }.count == 1, "one line")
        try await server.stop()
    }
}
