import RatifyTestSupport
import Testing
import RatifyNode
@testable import RatifyRPC

@Suite("GET /health")
struct HealthTests {
    @Test("a fresh block with peers answers 200 with height, age, peers and catching_up, and no error")
    func healthy() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        await node.setHealth(blockAgeMillis: 1_200, peerCount: 3, peersRequired: true, catchingUp: true)
        try await withRPC(node.queries, healthMaxBlockAgeMillis: 5_000) { client in
            let health = try await client.get("/health")
            #expect(health.status == 200)
            #expect(text(health, "latest_block_height") == "1")
            #expect(text(health, "latest_block_age_ms") == "1200")
            #expect(text(health, "peers") == "3")
            #expect(text(health, "catching_up") == "true")
            #expect(field(health, "error") == nil)
        }
    }

    @Test("a latest block older than health_max_block_age_ms answers 503 with the same body and an error naming the age")
    func staleBlock() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        await node.setHealth(blockAgeMillis: 5_001, peerCount: 3, peersRequired: true)
        try await withRPC(node.queries, healthMaxBlockAgeMillis: 5_000) { client in
            let health = try await client.get("/health")
            #expect(health.status == 503)
            #expect(text(health, "latest_block_height") == "1")
            #expect(text(health, "latest_block_age_ms") == "5001")
            #expect(text(health, "peers") == "3")
            #expect(text(health, "catching_up") == "false")
            #expect(text(health, "error.code") == "503")
            #expect(text(health, "error.message") == "latest block 1 is 5001 ms old, over health_max_block_age_ms 5000")
        }
    }

    @Test("before the first block, an old genesis is reported as no block finalized since genesis")
    func noBlockYet() async throws {
        let node = try TestNode()
        await node.setHealth(blockAgeMillis: 90_000, peerCount: 1, peersRequired: true)
        try await withRPC(node.queries) { client in
            let health = try await client.get("/health")
            #expect(health.status == 503)
            #expect(text(health, "latest_block_height") == "0")
            #expect(text(health, "error.message") == "no block finalized since genesis is 90000 ms old, over health_max_block_age_ms 60000")
        }
    }

    @Test("no peers answers 503 when the node needs them, and 200 when it is a sole validator")
    func noPeers() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        await node.setHealth(blockAgeMillis: 10, peerCount: 0, peersRequired: true)
        try await withRPC(node.queries) { client in
            let lonely = try await client.get("/health")
            #expect(lonely.status == 503)
            #expect(text(lonely, "peers") == "0")
            #expect(text(lonely, "latest_block_age_ms") == "10")
            #expect(text(lonely, "error.message") == "no peers connected, and the chain has more than one validator")
            await node.setHealth(blockAgeMillis: 10, peerCount: 0, peersRequired: false)
            #expect(try await client.get("/health").status == 200, "a sole validator makes blocks alone")
        }
    }
}
