import Foundation
import RatifyCore
import RatifyNode
import Testing

/// Slashing for a double sign, end to end: a validator process made to equivocate (the
/// test-only RATIFY_TEST_DOUBLE_SIGN switch) is caught by its peers' consensus cores, the
/// evidence goes into a block, and the ledger slashes, jails and tombstones it.
@Suite("double sign", .serialized)
struct DoubleSignProcessTests {
    @Test("a validator that double-signs is slashed, jailed and tombstoned, and the chain goes on without it")
    func doubleSignerIsTombstoned() async throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, chainID: "double-sign")
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for (index, node) in nodes.enumerated() {
            try node.start(environment: index == 3 ? ["RATIFY_TEST_DOUBLE_SIGN": "1"] : [:])
        }
        let cheater = plan.nodes[3].validatorKey.publicKey
        let rpc = plan.nodes[0].config.rpc.listenAddress
        let url = "http://\(rpc.host):\(rpc.port)/validator/\(cheater.hex)"

        var record = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let reply = try? await HTTP.request(url), reply.body.contains("\"tombstoned\" : true") || reply.body.contains("\"tombstoned\": true") {
                record = reply.body
                break
            }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        #expect(!record.isEmpty, "the double signer is never tombstoned; node0's log ends:\n\(nodes[0].log.suffix(2_000))")
        #expect(record.contains("\"jailed\" : true") || record.contains("\"jailed\": true"), "\(record)")
        // slash_fraction_double_sign is 5% by default: 100,000,000 bonded becomes 95,000,000.
        let stake = plan.genesis.validators[3].stake
        let slashed = stake - plan.genesis.staking.slashFractionDoubleSign.apply(to: stake)
        #expect(record.contains("\"\(slashed)\""), "bonded stake after the slash should be \(slashed): \(record)")
        #expect(nodes.prefix(3).contains { $0.log.contains("double vote detected") })
        // The honest validators count the evidence they saw (made by their cores or gossiped).
        var duplicateVotesSeen: [Double] = []
        for node in plan.nodes.prefix(3) {
            let scrape = await MetricsProcessTests.scrape(node.config.instrumentation.prometheusListenAddress.port)
            duplicateVotesSeen.append(scrape?.samples["ratify_evidence_seen_total{kind=\"duplicate_vote\"}"] ?? 0)
        }
        #expect(duplicateVotesSeen.contains { $0 >= 1 }, "\(duplicateVotesSeen)")

        // The three honest validators keep finalizing.
        let height = nodes[0].height
        #expect(eventually(seconds: 60) { nodes.prefix(3).allSatisfy { $0.height >= height + 5 } },
                "heights: \(nodes.map(\.height))")
    }
}
