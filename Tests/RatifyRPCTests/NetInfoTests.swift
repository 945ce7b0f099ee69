import RatifyClient
import RatifyCore
import RatifyTestSupport
import Testing
@testable import RatifyRPC

@Suite("GET /net_info over a real socket")
struct NetInfoTests {
    @Test("net_info lists the listeners and each peer with direction, address, age, bytes and persistence")
    func shape() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            let response = try await client.get("/net_info")
            #expect(response.status == 200)
            #expect(text(response, "listening") == "true")
            #expect(field(response, "listeners") == .array([.string("tcp://127.0.0.1:26656"), .string("udp://127.0.0.1:26656")]))
            #expect(text(response, "n_peers") == "2")
            #expect(text(response, "peers.0.node_id") == ChainFixture.alice.publicKey.address.hex)
            #expect(text(response, "peers.0.direction") == "inbound")
            #expect(text(response, "peers.0.remote_addr") == "127.0.0.1:50312")
            #expect(text(response, "peers.0.connected_for_ms") == "1500")
            #expect(text(response, "peers.0.bytes_sent") == "2048")
            #expect(text(response, "peers.0.bytes_received") == "4096")
            #expect(text(response, "peers.0.queued_bytes") == "0")
            #expect(text(response, "peers.0.persistent") == "false")
            #expect(text(response, "peers.1.node_id") == ChainFixture.bob.publicKey.address.hex)
            #expect(text(response, "peers.1.direction") == "outbound")
            #expect(text(response, "peers.1.remote_addr") == "[::1]:26656")
            #expect(text(response, "peers.1.bytes_received") == "654321")
            #expect(text(response, "peers.1.queued_bytes") == "96")
            #expect(text(response, "peers.1.persistent") == "true")
            #expect(field(response, "peers.2") == nil)
            #expect(try await client.post("/net_info", "").status == 405)
        }
    }

    @Test("ratify query net-info's table has a row per peer under the JSON's field names")
    func clientTable() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { raw in
            let answer = try await ClientQueries(client: RPCClientTests.client(raw)).netInfo()
            let lines = answer.text.split(separator: "\n").map(String.init)
            #expect(lines.first == "listening on tcp://127.0.0.1:26656, udp://127.0.0.1:26656: 2 peer(s)")
            #expect(lines.count == 4, "listeners, headers and two rows: \(answer.text)")
            #expect(lines.dropFirst().first?.hasPrefix("NODE_ID  ") == true)
            let bob = try #require(lines.last)
            for cell in [ChainFixture.bob.publicKey.address.hex, "outbound", "[::1]:26656", "90000", "123456", "654321", "96", "yes"] {
                #expect(bob.contains(cell), "\(cell) in \(bob)")
            }
            #expect(answer.json["n_peers"]?.uint64Value == 2)
        }
    }
}
