import Logging
import RatifyCore
import RatifyTestSupport
import Testing
@testable import RatifyNode
import RatifyRPC

@Suite("metrics")
struct MetricsTests {
    @Test("GET /metrics serves the node's metrics as Prometheus text under CometBFT-style names")
    func prometheusEndpoint() async throws {
        let (metrics, registry) = NodeMetrics.prometheus()
        metrics.height.record(42)
        metrics.rounds.record(1)
        metrics.proposals.increment()
        metrics.mempoolSize.record(7)
        metrics.peers.record(3)
        metrics.finalityLatency.recordMilliseconds(1_200)
        metrics.blockInterval.recordMilliseconds(1_000)
        metrics.storeCommitLatency.recordNanoseconds(800_000)
        metrics.missedVote(validator: ChainFixture.validatorKeys[2].publicKey.address)
        metrics.missedVote(validator: ChainFixture.validatorKeys[2].publicKey.address)
        let server = try await MetricsServer.bind(config: InstrumentationConfig(), registry: registry,
                                                  logger: Logger(label: "metrics-test"), portOverride: 0)
        let serving = Task { await server.run() }
        let client = RawHTTPClient(port: server.localPort)
        let response = try await client.get("/metrics")
        let wrongPath = try await client.get("/status")
        let wrongMethod = try await client.post("/metrics", "")
        await server.close()
        serving.cancel()
        await serving.value

        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let lines = Set(response.body.split(separator: "\n").map(String.init))
        #expect(lines.contains("ratify_consensus_height 42.0"))
        #expect(lines.contains("ratify_consensus_rounds 1.0"))
        #expect(lines.contains("ratify_consensus_proposals_total 1"))
        #expect(lines.contains("ratify_mempool_size 7.0"))
        #expect(lines.contains("ratify_p2p_peers 3.0"))
        let validator = ChainFixture.validatorKeys[2].publicKey.address.hex
        #expect(lines.contains("ratify_consensus_missed_votes_total{validator=\"\(validator)\"} 2"))
        #expect(lines.contains("ratify_consensus_finality_latency_seconds_bucket{le=\"1.5\"} 1"))
        #expect(lines.contains("ratify_consensus_finality_latency_seconds_bucket{le=\"1.0\"} 0"))
        #expect(lines.contains("ratify_consensus_block_interval_seconds_count 1"))
        #expect(lines.contains("ratify_store_commit_latency_seconds_bucket{le=\"0.001\"} 1"))
        #expect(wrongPath.status == 404)
        #expect(wrongMethod.status == 405)
    }
}
