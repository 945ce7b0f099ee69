import Foundation
import RatifyCore
import RatifyNode
import RatifyStore
import Testing

/// `[storage] retain_blocks` on a real one-validator chain: what a pruned node answers, that
/// `ratify store check` passes on its store, and that SIGKILLs while it prunes leave a store it
/// restarts from.
@Suite("pruning", .serialized)
struct PruningProcessTests {
    static func setRetainBlocks(_ retainBlocks: UInt64, home: String) throws {
        var config = try NodeHome(home).loadConfig()
        config.storage.retainBlocks = retainBlocks
        try config.tomlText.write(toFile: NodeHome(home).configFile, atomically: true, encoding: .utf8)
    }

    static func storeFacts(_ home: String) throws -> (earliest: UInt64, latest: UInt64) {
        let store = try NodeStore.open(dataDirectory: NodeHome(home).dataDirectory, genesisHash: NodeHome(home).loadGenesis().genesisHash)
        defer { store.close() }
        return (try store.blocks.earliestHeight(), try store.blocks.latestHeight())
    }

    @Test("a node keeping 5 blocks answers 410 naming its lowest height for older ones, /status shows it, store check passes")
    func prunedAnswers() async throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        try Self.setRetainBlocks(5, home: homes[0])
        let node = NodeProcess(home: homes[0])
        try node.start()
        defer { node.kill(SIGKILL) }
        let rpc = "http://\(plan.nodes[0].config.rpc.listenAddress)"
        #expect(eventually(seconds: 90) { node.height >= 20 }, "height \(node.height): \(node.log.suffix(2_000))")

        // Pruning follows the tip within a check interval; /status says how far.
        var earliest: UInt64 = 0
        var latest: UInt64 = 0
        for _ in 0..<300 where earliest <= 10 {
            let status = try await HTTP.request("\(rpc)/status")
            let json = try JSONParser.parse(Array(status.body.utf8), file: "status")
            earliest = json["sync_info"]?["earliest_block_height"]?.uint64Value ?? 0
            latest = json["sync_info"]?["latest_block_height"]?.uint64Value ?? 0
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(earliest > 10 && earliest <= latest, "earliest \(earliest), latest \(latest)")

        let gone = try await HTTP.request("\(rpc)/block?height=1")
        #expect(gone.status == 410, "\(gone)")
        #expect(gone.body.contains("pruned") && gone.body.contains("\"earliest_height\""), "\(gone.body)")
        let commitGone = try await HTTP.request("\(rpc)/commit?height=2")
        #expect(commitGone.status == 410, "\(commitGone)")
        let kept = try await HTTP.request("\(rpc)/block?height=\(latest)")
        #expect(kept.status == 200, "\(kept)")

        let cli = try RatifyCLI.run(["query", "block", "--height", "1", "--node", rpc])
        #expect(cli.status != 0 && cli.stderr.contains("pruned"), "\(cli)")

        node.kill(SIGTERM)
        let check = try StoreCheckTests.runCheck(homes[0])
        #expect(check.status == 0 && check.output.contains("pruned"), "\(check.output)")
        let facts = try Self.storeFacts(homes[0])
        #expect(facts.latest - facts.earliest + 1 >= 5, "kept \(facts)")
        #expect(facts.earliest > 1)
    }

    @Test("SIGKILL at random instants while a node prunes 150 heights: store check passes after each kill and the node goes on")
    func killedWhilePruning() throws {
        let directory = try TemporaryDirectory()
        let (_, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let home = homes[0]
        try Self.setRetainBlocks(0, home: home)
        let node = NodeProcess(home: home)
        try node.start()
        defer { node.kill(SIGKILL) }
        #expect(eventually(seconds: 120) { node.height >= 150 }, "height \(node.height)")
        node.kill(SIGKILL)
        try Self.setRetainBlocks(2, home: home)

        var generator = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        for round in 0..<5 {
            let before = try Self.storeFacts(home)
            let started = node.log.components(separatedBy: "pruning blocks").count
            try node.start()
            #expect(eventually(seconds: 60) { node.log.components(separatedBy: "pruning blocks").count > started }, "round \(round)")
            // Batches of 64 heights with 20 ms pauses: the first kills land inside the backlog.
            usleep(UInt32(generator.next() % 150_000))
            node.kill(SIGKILL)
            let check = try StoreCheckTests.runCheck(home)
            #expect(check.status == 0, "round \(round), before \(before): \(check.output)")
            let after = try Self.storeFacts(home)
            #expect(after.earliest >= before.earliest && after.latest >= before.latest, "round \(round): \(before) -> \(after)")
        }
        let heightAtLastKill = node.height
        try node.start()
        #expect(eventually(seconds: 60) { node.height >= heightAtLastKill + 5 }, "no progress after the kills: \(node.log.suffix(2_000))")
        node.kill(SIGTERM)
        let facts = try Self.storeFacts(home)
        // Pruning follows the tip once a second, so a few heights past the two kept may remain.
        #expect(facts.earliest > 140 && facts.latest - facts.earliest + 1 <= 20, "kept \(facts): pruning did not catch up")
        let check = try StoreCheckTests.runCheck(home)
        #expect(check.status == 0, "\(check.output)")
    }
}
