import Foundation
import RatifyCore
import RatifyNode
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile traffic against a validator of a running 4-validator network: handshake floods and
/// random, truncated and oversized frames on raw TCP connections to its P2P port. The network
/// must keep finalizing and the victim's own memory must stay bounded. (Frames inside an
/// established encrypted session are attacked in RatifyNetTests' hostile-peer test.)
@Suite("hostile peers against a running network", .serialized)
struct HostilePeerProcessTests {
    /// Opens a TCP connection to 127.0.0.1:`port`, writes `bytes`, and closes it. Failures
    /// (refused, reset) are expected under a flood and ignored.
    static func send(_ bytes: [UInt8], to port: UInt16) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// A hostile payload: random bytes, a frame header claiming a huge length, a truncated
    /// frame, or a plausible length prefix followed by garbage.
    static func payload(_ index: Int, _ random: inout SplitMix64) -> [UInt8] {
        let noise = (0..<Int.random(in: 1...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        switch index % 4 {
        case 0: return noise
        case 1: return [0xff, 0xff, 0xff, 0xff] + noise                       // an absurd frame length
        case 2: return [0x00, 0x00, 0x10, 0x00] + Array(noise.prefix(8))       // announces 4 KiB, sends 8 bytes
        default: return withUnsafeBytes(of: UInt32(noise.count).bigEndian) { Array($0) } + noise
        }
    }

    static func residentAnonymousKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") }
        return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
    }

    @Test("10,000 hostile payloads over 200 connections: the network keeps finalizing and the victim's memory stays bounded")
    func flood() async throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, chainID: "hostile")
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 3 } })
        let victim = nodes[0]
        let memoryBeforeKiB = Self.residentAnonymousKiB(victim.process.processIdentifier) ?? 0
        let heightBefore = victim.height
        let port = plan.nodes[0].config.p2p.listenAddress.port

        var random = SplitMix64(seed: 0xBAD_F00D)
        var payloads: [[UInt8]] = []
        for index in 0..<10_000 { payloads.append(Self.payload(index, &random)) }
        let started = Date()
        // 200 connections, 50 payloads each, written back to back: a handshake flood that is
        // also a garbage flood.
        await withTaskGroup(of: Void.self) { group in
            for connection in 0..<200 {
                let batch = Array(payloads[(connection * 50)..<(connection * 50 + 50)]).flatMap { $0 }
                group.addTask { Self.send(batch, to: port) }
            }
        }
        let floodSeconds = Date().timeIntervalSince(started)

        #expect(victim.isRunning, "the victim survives the flood")
        #expect(eventually(seconds: 30) { nodes.allSatisfy { $0.height >= heightBefore + 5 } },
                "the network keeps finalizing during and after the flood: \(nodes.map(\.height)), flood took \(floodSeconds) s")
        let memoryAfterKiB = Self.residentAnonymousKiB(victim.process.processIdentifier) ?? Int.max
        #expect(memoryAfterKiB < memoryBeforeKiB + 64 * 1024,
                "the victim's own memory grew from \(memoryBeforeKiB) KiB to \(memoryAfterKiB) KiB")
        #expect(victim.log.contains("handshake failed"), "hostile connections are logged as failed handshakes")
    }
}
