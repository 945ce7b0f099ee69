import Foundation
import RatifyCore
import RatifyNode
import RatifyStore
import RatifyTestSupport
import Testing
@testable import RatifyRPC

/// What a node joining by state sync reads from a server's RPC: light blocks one at a time or a
/// run at once, the snapshot list and chunks, each decoding to what the server stored.
@Suite("RPC for state sync")
struct StateSyncRPCTests {
    @Test("light blocks decode to the stored block, commit and set; runs stop at the tip; snapshots and chunks are served checked, bad parameters are 400")
    func endpoints() async throws {
        let node = try TestNode()
        for _ in 0..<3 { try await node.finalizeBlock() }
        let directory = try TemporaryDirectory()
        let snapshots = SnapshotStore(dataDirectory: directory.path)
        let chunks = [[UInt8](repeating: 7, count: 40), [1, 2, 3]]
        let manifest = try snapshots.write(height: 2, appHash: Hash.sha256([2]), blockHash: Hash.sha256([3]), stateEntries: 1, chunks: chunks)
        var queries = node.queries
        queries.snapshots = { snapshots.list() }
        queries.snapshotChunk = { height, index in try snapshots.chunk(height: height, index: index) }
        try await withRPC(queries) { client in
            let one = try await client.get("/light_block?height=2")
            #expect(one.status == 200)
            let block = try Block(canonicalBytes: try #require(text(one, "block").flatMap { Hex.decode($0) }))
            let commit = try Commit(canonicalBytes: try #require(text(one, "commit").flatMap { Hex.decode($0) }))
            let set = try ValidatorSet(canonicalBytes: try #require(text(one, "validators").flatMap { Hex.decode($0) }))
            #expect(block.height == 2 && commit.blockID == block.id && set.hash == block.header.validatorsHash)

            let run = try await client.get("/light_blocks?from=2&count=50")
            #expect(run.status == 200)
            #expect(text(run, "light_blocks.0.height") == "2" && text(run, "light_blocks.1.height") == "3" && field(run, "light_blocks.2") == nil)
            #expect(text(run, "light_blocks.0.block") == text(one, "block"))
            let beyond = try await client.get("/light_blocks?from=9")
            #expect(beyond.status == 200 && field(beyond, "light_blocks.0") == nil)
            for bad in ["from=0", "from=x", "from=1&count=0", "from=1&count=101", "count=5"] {
                #expect(try await client.get("/light_blocks?\(bad)").status == 400, "\(bad)")
            }

            let listed = try await client.get("/snapshots")
            #expect(text(listed, "snapshots.0.height") == "2" && text(listed, "snapshots.0.hash") == manifest.hash.hex)
            #expect(text(listed, "snapshots.0.manifest") == Hex.encode(manifest.canonicalBytes))
            let chunk = try await client.get("/snapshot_chunk?height=2&index=1")
            #expect(chunk.status == 200 && text(chunk, "chunk") == "010203")
            #expect(try await client.get("/snapshot_chunk?height=2&index=2").status == 404)
            #expect(try await client.get("/snapshot_chunk?height=3&index=0").status == 404)
            #expect(try await client.get("/snapshot_chunk?height=2&index=-1").status == 400)
            #expect(try await client.get("/snapshot_chunk?height=2").status == 400)
            // Damaged on disk: an error, never the bytes.
            try Data([9, 9, 9]).write(to: URL(fileURLWithPath: snapshots.directory + "/2/chunk-1"))
            let damaged = try await client.get("/snapshot_chunk?height=2&index=1")
            #expect(damaged.status == 500 && text(damaged, "error.message")?.contains("does not hash") == true)
        }
    }
}
