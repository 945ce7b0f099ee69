import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import RatifyStore
import Testing

/// A node joining a running chain by state sync, with real `ratify start` processes: one
/// validator, two full nodes serving snapshots over RPC (one of them, a debug-build test
/// switch, corrupting every chunk it serves) and a fresh node that restores a snapshot.
@Suite("state sync", .serialized)
struct StateSyncProcessTests {
    static func status(_ rpc: HostPort) async -> [String: Any]? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/status"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else { return nil }
        return object["sync_info"] as? [String: Any]
    }

    static func number(_ info: [String: Any]?, _ key: String) -> UInt64 { (info?[key] as? NSNumber)?.uint64Value ?? 0 }

    @Test("a fresh node refuses a wrong trust hash and writes nothing; with the right one it drops the server serving corrupted chunks, restores a snapshot from the honest one, starts at its height and follows the chain",
          .timeLimit(.minutes(4)))
    func joinsBySnapshot() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 4, genesisTime: time)
        options.chainID = "state-sync"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 4))
        options.heartbeatMillis = 50
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutCommitMillis = 10
        // node0 alone validates; node1 and node2 follow and serve snapshots; node3 joins.
        plan.genesis.validators = [plan.genesis.validators[0]]
        for index in plan.nodes.indices {
            plan.nodes[index].config.storage.snapshotIntervalHeights = 30
            plan.nodes[index].config.storage.snapshotKeepRecent = 4
        }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        plan.nodes[3].config.stateSync.enable = true
        plan.nodes[3].config.stateSync.rpcServers = [rpcs[1], rpcs[2]]
        plan.nodes[3].config.stateSync.trustHeight = 10
        plan.nodes[3].config.stateSync.trustHash = Hash.sha256([0xBA, 0xD])  // wrong at first
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        try nodes[0].start()
        try nodes[1].start()
        try nodes[2].start(environment: ["RATIFY_TEST_CORRUPT_SNAPSHOT_CHUNKS": "1"])
        #expect(await PoWPartitionProcessTests.eventually(seconds: 90) {
            let one = await Self.status(rpcs[1]), two = await Self.status(rpcs[2])
            return Self.number(one, "latest_block_height") >= 100 && Self.number(two, "latest_block_height") >= 100
        }, "the chain grows past 100 on both servers; node1's log ends:\n\(nodes[1].log.suffix(1_500))")

        // A trust hash that is not block 10's: every server is dropped, start fails, nothing is written.
        try nodes[3].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) { !nodes[3].isRunning }, "start gives up")
        #expect(nodes[3].log.contains("not the trusted"), "the light client refuses block 10: \(nodes[3].log.suffix(1_500))")
        #expect(!nodes[3].log.contains("state sync restored"))

        // The right hash, from a node the operator trusts.
        let block10 = try await HTTP.request("http://\(rpcs[0].host):\(rpcs[0].port)/block?height=10")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(block10.body.utf8)) as? [String: Any])
        let hashText = try #require((object["block_id"] as? [String: Any])?["hash"] as? String)
        var config = plan.nodes[3].config
        config.stateSync.trustHash = try #require(Hash(hex: hashText))
        try config.tomlText.write(toFile: NodeHome(nodes[3].home).configFile, atomically: true, encoding: .utf8)
        try nodes[3].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 90) { nodes[3].log.contains("state sync restored") },
                "the joiner restores a snapshot; its log ends:\n\(nodes[3].log.suffix(2_000))")
        let log = nodes[3].log
        #expect(log.contains("dropping RPC server") && log.contains("server=\(rpcs[2])") && log.contains("does not hash to its manifest entry"),
                "the server serving corrupted chunks is dropped: \(log.suffix(2_000))")
        let restoredLine = try #require(log.split(separator: "\n").last { $0.contains("state sync restored") })
        let restoredHeight = try #require(restoredLine.split(separator: " ").first { $0.hasPrefix("height=") }.flatMap { UInt64($0.dropFirst(7)) })
        #expect(restoredHeight >= 30 && restoredHeight % 30 == 0, "\(restoredLine)")

        // It starts at the snapshot's height (nothing below it is stored) and follows the chain.
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            let joiner = await Self.status(rpcs[3]), tip = await Self.status(rpcs[0])
            return Self.number(joiner, "latest_block_height") > restoredHeight + 20
                && Self.number(joiner, "latest_block_height") + 5 >= Self.number(tip, "latest_block_height")
        }, "the joiner follows the chain; its log ends:\n\(nodes[3].log.suffix(2_000))")
        #expect(Self.number(await Self.status(rpcs[3]), "earliest_block_height") == restoredHeight)
        let account = try await HTTP.request("http://\(rpcs[3].host):\(rpcs[3].port)/account/\(plan.nodes[0].validatorKey.publicKey.address.hex)")
        #expect(account.status == 200 && account.body.contains("balance"), "the restored ledger answers: \(account.body)")
        // The operator's path: `ratify init --state-sync-from` takes the newest snapshot's height
        // and block hash from one server, confirmed by the other, and the new home joins by them.
        let initHome = "\(directory.path)/node4"
        let peers = plan.nodes.prefix(3).map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress).description }
        let made = try HistoryCheckProcessTests.ratify([
            "init", "--home", initHome, "--genesis", "\(directory.path)/genesis.json", "--moniker", "node4",
            "--base-port", "\(try #require(LocalPorts.freeBase(nodes: 1)))", "--peers", peers.joined(separator: ","),
            "--state-sync-from", "http://\(rpcs[1]),\(rpcs[0])",
        ])
        #expect(made.status == 0 && made.output.contains("confirm this hash with a source you trust"), "\(made.output)")
        let written = try NodeHome(initHome).loadConfig().stateSync
        #expect(written.enable && written.rpcServers == [rpcs[1], rpcs[0]] && written.trustHeight % 30 == 0 && written.trustHash != nil)
        let initialized = NodeProcess(home: initHome)
        defer { initialized.kill(SIGKILL) }
        try initialized.start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) { initialized.log.contains("state sync restored") },
                "the home made by init joins by state sync; its log ends:\n\(initialized.log.suffix(1_500))")
        initialized.kill(SIGTERM)
        let lonely = try HistoryCheckProcessTests.ratify(["init", "--home", "\(directory.path)/node5", "--genesis", "\(directory.path)/genesis.json",
                                                          "--state-sync-from", "http://\(rpcs[1])"])
        #expect(lonely.status == 1 && lonely.output.contains("--state-sync-from: expected at least 2 RPC URLs"), "\(lonely.output)")

        for node in nodes { node.kill(SIGTERM) }
        // The restored store is a whole one, as a store pruned below the snapshot would be.
        let check = try HistoryCheckProcessTests.ratify(["store", "check", "--home", nodes[3].home])
        #expect(check.status == 0 && check.output.contains("below \(restoredHeight) pruned"), "store check on the restored node: \(check.output)")
        // A snapshot damaged on disk is reported by store check (and never served: SnapshotStoreTests).
        let served = SnapshotStore(dataDirectory: NodeHome(nodes[1].home).dataDirectory)
        let newest = try #require(served.list().first)
        let listed = try HistoryCheckProcessTests.ratify(["store", "snapshots", "--home", nodes[1].home])
        #expect(listed.status == 0 && listed.output.contains("\(newest.height)  ") && listed.output.contains(newest.hash.hex), "\(listed.output)")
        let chunkFile = served.directory + "/\(newest.height)/chunk-1"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: chunkFile)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: chunkFile))
        let damaged = try HistoryCheckProcessTests.ratify(["store", "check", "--home", nodes[1].home])
        #expect(damaged.status != 0 && damaged.output.contains("snapshot \(newest.height): "), "\(damaged.output)")
    }

    @Test("a fresh node whose only peer has pruned the heights it needs says so in its log and points to state sync",
          .timeLimit(.minutes(2)))
    func prunedPeersExplained() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 2, genesisTime: time)
        options.chainID = "pruned-peers"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 2))
        options.heartbeatMillis = 50
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutCommitMillis = 10
        plan.genesis.consensus.timeoutProposeMillis = 500
        plan.genesis.validators.removeLast()
        plan.nodes[0].config.storage.retainBlocks = 20
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<2).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpc0 = plan.nodes[0].config.rpc.listenAddress
        try nodes[0].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            Self.number(await Self.status(rpc0), "earliest_block_height") > 5
        }, "the validator prunes its first heights: \(nodes[0].log.suffix(1_000))")
        try nodes[1].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 30) {
            nodes[1].log.contains("peers are ahead but none sends the blocks this node needs")
        }, "the stuck node explains itself; its log ends:\n\(nodes[1].log.suffix(1_500))")
        #expect(nodes[1].log.contains("join by state sync"))
        for node in nodes { node.kill(SIGTERM) }
    }

    @Test("a validator that joins by state sync signs the chain's commits within seconds of restoring its snapshot",
          .timeLimit(.minutes(2)))
    func validatorVotesAfterStateSync() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 3, genesisTime: time)
        options.chainID = "state-sync-voter"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 3))
        options.heartbeatMillis = 50
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutCommitMillis = 10
        // node0 holds 100 of 110 power and decides alone; node2 (10) joins later; node1 serves.
        // Downtime jailing is off: node2 misses every height before it joins.
        var joiner = plan.genesis.validators[2]
        joiner.stake = plan.genesis.validators[0].stake / 10
        plan.genesis.validators = [plan.genesis.validators[0], joiner]
        plan.genesis.staking.minSignedPerWindow = PartsPerMillion(clamping: 0)
        for index in plan.nodes.indices { plan.nodes[index].config.storage.snapshotIntervalHeights = 30 }
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<3).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        try nodes[0].start()
        try nodes[1].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            Self.number(await Self.status(rpcs[1]), "latest_block_height") >= 70
        }, "the chain grows on node0 alone: \(nodes[0].log.suffix(1_000))")

        let made = try HistoryCheckProcessTests.ratify(["init", "--home", "\(directory.path)/probe", "--genesis", "\(directory.path)/genesis.json",
                                                        "--state-sync-from", "\(rpcs[1]),\(rpcs[0])", "--json"])
        #expect(made.status == 0, "\(made.output)")
        var config = plan.nodes[2].config
        config.stateSync = try NodeHome("\(directory.path)/probe").loadConfig().stateSync
        try config.tomlText.write(toFile: NodeHome(nodes[2].home).configFile, atomically: true, encoding: .utf8)
        try nodes[2].start()
        var restoredAt: Date?
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            guard nodes[2].log.contains("state sync restored") else { return false }
            restoredAt = Date()
            return true
        }, "the validator restores a snapshot; its log ends:\n\(nodes[2].log.suffix(1_500))")
        // Its slot (index 1, the smaller power) in the last commit a block carries: node0 decides
        // on its own precommit, and the late ones join the next block's last_commit.
        let voted = await PoWPartitionProcessTests.eventually(seconds: 30) {
            guard let reply = try? await HTTP.request("http://\(rpcs[0].host):\(rpcs[0].port)/block"),
                  let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                  let commit = (object["block"] as? [String: Any])?["last_commit"] as? [String: Any],
                  let signatures = commit["signatures"] as? [[String: Any]], signatures.count == 2 else { return false }
            return (signatures[1]["block_id_flag"] as? NSNumber)?.intValue == 2
        }
        #expect(voted, "node2's precommits are in the chain's commits; its log ends:\n\(nodes[2].log.suffix(1_500))")
        if let restoredAt {
            let seconds = Date().timeIntervalSince(restoredAt)
            print("state sync: the joining validator's precommit is in a block \(seconds) s after its snapshot was restored")
            #expect(seconds < 10)
        }
        for node in nodes { node.kill(SIGTERM) }
    }
}
