import Foundation
import RatifyCore
import RatifyOps
import Testing

/// `GET /net_info` on real validator processes.
@Suite("net_info on a localnet", .serialized)
struct NetInfoProcessTests {
    @Test("each of four validators reports the other three as peers, with bytes received, on a finalizing localnet")
    func fourValidatorsSeeThreePeers() async throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path)
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 3 } }, "heights: \(nodes.map(\.height))")

        for (index, node) in plan.nodes.enumerated() {
            let port = node.config.rpc.listenAddress.port
            let (status, body) = try await HTTP.request("http://127.0.0.1:\(port)/net_info")
            #expect(status == 200, "node\(index): \(body)")
            let info = try JSONParser.parse(Array(body.utf8), file: "node\(index) /net_info")
            #expect(Self.member(info, "n_peers") == .number("3"), "node\(index): \(body)")
            #expect(Self.member(info, "listening") == .bool(true))
            guard case .array(let peers)? = Self.member(info, "peers") else {
                Issue.record("node\(index): no peers array in \(body)")
                continue
            }
            let ids = peers.compactMap { peer -> String? in
                guard case .string(let id)? = Self.member(peer, "node_id") else { return nil }
                return id
            }
            #expect(Set(ids) == Set(plan.nodes.filter { $0.nodeID != node.nodeID }.map(\.nodeID.hex)),
                    "node\(index) names the other three: \(body)")
            for peer in peers {
                guard case .number(let received)? = Self.member(peer, "bytes_received"),
                      case .number(let sent)? = Self.member(peer, "bytes_sent") else {
                    Issue.record("node\(index): peer without byte counts in \(body)")
                    continue
                }
                #expect((UInt64(received) ?? 0) > 0 && (UInt64(sent) ?? 0) > 0, "node\(index): \(body)")
                let direction = Self.member(peer, "direction")
                #expect(direction == .string("inbound") || direction == .string("outbound"))
            }
        }
    }

    static func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }
}
