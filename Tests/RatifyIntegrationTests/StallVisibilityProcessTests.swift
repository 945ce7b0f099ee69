import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// A slow or halted chain explains itself: timeout and round-change lines in the log, 503 from `/health`.
@Suite("a stalled round in the log and /health", .serialized)
struct StallVisibilityProcessTests {
    @Test("with one of four validators down, its rounds log one propose timeout and one round change naming it; halted, /health answers 503")
    func absentValidator() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 4, genesisTime: time)
        options.chainID = "stall-visibility"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 4))
        options.heartbeatMillis = 100
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutProposeMillis = 300
        plan.genesis.consensus.timeoutCommitMillis = 10
        for index in plan.nodes.indices { plan.nodes[index].config.rpc.healthMaxBlockAgeMillis = 1_500 }
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        // node3 never starts: 3 of 4 equal powers is still a quorum, but its turns to propose time out.
        for node in nodes.prefix(3) { try node.start() }
        #expect(eventually(seconds: 90) { nodes[0].height >= 10 }, "the chain grows without node3: \(nodes.map(\.height))")
        let absent = String(try NodeHome(nodes[3].home).loadValidatorKey().publicKey.address.hex.prefix(8))

        let lines = nodes[0].log.split(separator: "\n")
        let timeouts = lines.filter { $0.hasSuffix("] timeout") }
        let proposeTimeouts = timeouts.filter { $0.contains("step=propose") }
        #expect(!proposeTimeouts.isEmpty, "node3's turns to propose time out")
        #expect(proposeTimeouts.allSatisfy { $0.contains("proposer=\(absent)") }, "and name it: \(proposeTimeouts)")
        let roundChanges = lines.filter { $0.hasSuffix("] round change") }
        #expect(!roundChanges.isEmpty)
        #expect(roundChanges.allSatisfy { $0.contains("missing_precommits=") && $0.contains(absent) }, "\(roundChanges)")
        // At most one line per height, round and kind.
        let keys = timeouts.map { line in line.split(separator: " ").filter { $0.hasPrefix("height=") || $0.hasPrefix("round=") || $0.hasPrefix("step=") } }
        #expect(Set(keys.map { $0.joined(separator: " ") }).count == keys.count, "\(timeouts)")
        #expect(lines.first?.firstMatch(of: #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /#) != nil, "millisecond times: \(lines.first ?? "")")

        // Halted: a second validator gone leaves no quorum; the latest block ages past 1500 ms.
        nodes[2].kill(SIGKILL)
        let rpc0 = plan.nodes[0].config.rpc.listenAddress
        var last: (status: Int, body: String) = (0, "")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            last = try await HTTP.request("http://\(rpc0.host):\(rpc0.port)/health")
            if last.status == 503 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(last.status == 503, "\(last.body)")
        #expect(last.body.contains("over health_max_block_age_ms 1500"), "\(last.body)")
    }
}
