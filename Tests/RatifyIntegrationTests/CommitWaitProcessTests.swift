import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The commit wait (`timeout_commit`) gathers late precommits; with every validator's precommit
/// in, there is nothing to gather and the next height starts at once. On a chain made with
/// `ratify testnet`'s own timeouts (a 1,000 ms commit wait), an idle chain then starts a height
/// as soon as a transaction arrives instead of after the rest of the wait.
@Suite("commit wait on a real localnet", .serialized)
struct CommitWaitProcessTests {
    @Test("with every precommit in, validators end the commit wait early, and the metric counts each height")
    func commitWaitEndsWhenEveryPrecommitIsIn() async throws {
        let directory = try TemporaryDirectory()
        // The generator's own consensus timeouts, which `ratify testnet` writes.
        let plan = try Self.plan()
        #expect(plan.genesis.consensus.timeoutCommitMillis == 1_000)
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 4 } }, "heights: \(nodes.map(\.height))")

        for (index, node) in plan.nodes.enumerated() {
            let skipped = try await Self.commitWaitsSkipped(node)
            // Every node saw all four precommits for most heights on a healthy loopback network.
            #expect(skipped >= 2, "node\(index) ended \(skipped) commit waits early after \(nodes[index].height) heights")
        }
    }

    @Test("with [consensus] skip_timeout_commit = false the commit wait is waited out: heights at least timeout_commit apart")
    func commitWaitWaitedOutWhenNotSkipped() async throws {
        let directory = try TemporaryDirectory()
        var plan = try Self.plan(heartbeatMillis: 50)
        plan.genesis.consensus.timeoutCommitMillis = 400
        for index in plan.nodes.indices { plan.nodes[index].config.consensus.skipTimeoutCommit = false }
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 3 } }, "heights: \(nodes.map(\.height))")
        let start = nodes[0].height, started = Date()
        #expect(eventually(seconds: 30) { nodes[0].height >= start + 5 })
        let elapsedMillis = Date().timeIntervalSince(started) * 1_000
        // Five heights, each after a full 400 ms wait (a 50 ms heartbeat would allow 20 a second).
        #expect(elapsedMillis >= 4 * 400, "5 heights in \(Int(elapsedMillis)) ms")
        for node in plan.nodes { #expect(try await Self.commitWaitsSkipped(node) == 0) }
    }

    @Test("on an idle chain a transaction starts the held height at once, whichever node it reaches first and whether by RPC or from a peer")
    func idleChainStartsAHeightForATransaction() async throws {
        let directory = try TemporaryDirectory()
        // A heartbeat far beyond the test's bound: a height that waited for it would fail.
        let plan = try Self.plan(heartbeatMillis: 60_000)
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 1 } }, "heights: \(nodes.map(\.height))")
        let recipient = KeyPair.generate().publicKey.address
        // Each validator's transfer through its own RPC, one at a time, each on an idle chain:
        // the next height's proposer hears of it by RPC or, mostly, from a peer.
        for sender in 0..<4 {
            let key = try NodeHome(nodes[sender].home).loadValidatorKey()
            let transaction = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: 0, fee: 1,
                                                 payload: .transfer(to: recipient, amount: 10))
            let rpc = plan.nodes[sender].config.rpc.listenAddress
            // Idle: the last decided height's commit wait (1 s) is over and the next is held.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            let started = Date()
            let reply = try await HTTP.request("http://\(rpc.host):\(rpc.port)/tx?wait=final", method: "POST",
                                               body: Hex.encode(transaction.canonicalBytes))
            let elapsedMillis = Int(Date().timeIntervalSince(started) * 1_000)
            #expect(reply.status == 200, "node\(sender): \(reply.body)")
            // Milliseconds on an idle machine; the bound leaves room for a loaded CI machine,
            // and is a tenth of the heartbeat a held height would otherwise wait for.
            #expect(elapsedMillis < 6_000, "node\(sender)'s transfer final after \(elapsedMillis) ms")
        }
    }

    static func plan(heartbeatMillis: UInt64? = nil) throws -> TestnetGenerator.Plan {
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 4, genesisTime: time)
        options.chainID = "commit-wait"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 4))
        if let heartbeatMillis { options.heartbeatMillis = heartbeatMillis }
        return try TestnetGenerator.plan(options)
    }

    /// `ratify_consensus_commit_waits_skipped_total` of a running node.
    static func commitWaitsSkipped(_ node: TestnetGenerator.Node) async throws -> Double {
        let port = node.config.instrumentation.prometheusListenAddress.port
        let metrics = try await HTTP.request("http://127.0.0.1:\(port)/metrics").body
        return metrics.split(separator: "\n")
            .first { $0.hasPrefix(ConsensusMetrics.names.commitWaitsSkipped + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }
}
