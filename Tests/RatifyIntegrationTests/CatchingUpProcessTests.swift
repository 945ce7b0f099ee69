import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// `catching_up` and `/health` on real processes: a follower that starts after the chain has grown.
@Suite("catching up and health on a late follower", .serialized)
struct CatchingUpProcessTests {
    /// `sync_info.catching_up` and `sync_info.latest_block_height` from a node's `/status`, nil when it does not answer.
    private static func syncInfo(_ rpc: HostPort) async -> (catchingUp: Bool, height: UInt64)? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/status"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let sync = object["sync_info"] as? [String: Any],
              let catchingUp = sync["catching_up"] as? Bool, let height = sync["latest_block_height"] as? NSNumber else { return nil }
        return (catchingUp, height.uint64Value)
    }

    @Test("a follower started after 80 heights reports catching_up (and ratify_blocksync_syncing) true while it syncs and false once level; /health is 200 on a live validator")
    func lateFollower() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 3, genesisTime: time)
        options.chainID = "catching-up"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 3))
        options.heartbeatMillis = 50
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutCommitMillis = 10
        // node2 is not in the validator set: it follows the chain without voting.
        plan.genesis.validators.removeLast()
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<3).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes.prefix(2) { try node.start() }
        #expect(eventually(seconds: 90) { nodes[0].height >= 80 }, "the chain grows: \(nodes.map(\.height))")

        let rpc0 = plan.nodes[0].config.rpc.listenAddress
        let health = try await HTTP.request("http://\(rpc0.host):\(rpc0.port)/health")
        #expect(health.status == 200, "a live validator with its peer is healthy: \(health.body)")
        #expect(health.body.replacingOccurrences(of: " ", with: "").contains("\"peers\":1"), "\(health.body)")
        #expect(await Self.syncInfo(rpc0)?.catchingUp == false, "a validator at the tip is not catching up")

        // Polled as fast as the follower answers: block sync may take only a second or two.
        try nodes[2].start()
        let rpc2 = plan.nodes[2].config.rpc.listenAddress
        let metrics2 = plan.nodes[2].config.instrumentation.prometheusListenAddress.port
        var sawCatchingUp = false
        var sawSyncingMetric = false
        var levelAndNotCatchingUp = false
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, !levelAndNotCatchingUp {
            if let info = await Self.syncInfo(rpc2) {
                if info.catchingUp { sawCatchingUp = true }
                if await MetricsProcessTests.scrape(metrics2)?.samples["ratify_blocksync_syncing"] == 1 { sawSyncingMetric = true }
                let tip = await Self.syncInfo(rpc0)?.height ?? .max
                levelAndNotCatchingUp = sawCatchingUp && !info.catchingUp && info.height + 1 >= tip
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(sawCatchingUp, "the follower reported catching_up while behind; its log ends:\n\(nodes[2].log.suffix(2_000))")
        #expect(levelAndNotCatchingUp, "and false once level with the chain: \(nodes.map(\.height))")
        #expect(sawSyncingMetric, "ratify_blocksync_syncing was 1 while it synced")
        // Level, the next heights it decides set it back to 0; a node outside the set has no power and misses nothing.
        var level: MetricsProcessTests.Scrape?
        #expect(await PoWPartitionProcessTests.eventually(seconds: 30) {
            level = await MetricsProcessTests.scrape(metrics2)
            return level?.samples["ratify_blocksync_syncing"] == 0
        }, "\(level?.values("ratify_blocksync") ?? [:])")
        #expect((level?.samples["ratify_blocksync_target_height"] ?? 0) >= 80)
        #expect(level?.samples["ratify_validator_power"] == 0 && level?.samples["ratify_validator_missed_blocks_total"] == 0)
    }
}
