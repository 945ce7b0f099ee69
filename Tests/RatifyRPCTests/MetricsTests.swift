import Foundation
import Logging
import Prometheus
import RatifyCore
import RatifyNet
import RatifyTestSupport
import Testing
@testable import RatifyNode
import RatifyRPC

@Suite("metrics")
struct MetricsTests {
    /// Serves `registry` once and returns what GET /metrics, GET /status and POST /metrics answer.
    private func scrape(_ registry: PrometheusCollectorRegistry) async throws -> (metrics: RawHTTPClient.Response, wrongPath: RawHTTPClient.Response,
                                                                      wrongMethod: RawHTTPClient.Response) {
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
        return (response, wrongPath, wrongMethod)
    }

    @Test("GET /metrics serves the node's metrics as Prometheus text under CometBFT-style names")
    func prometheusEndpoint() async throws {
        let (metrics, registry) = NodeMetrics.prometheus(kind: .proofOfStake, build: BuildInfo(version: "9.9.9", commit: "abc123"))
        let consensus = try #require(metrics.consensus)
        metrics.height.record(42)
        consensus.rounds.record(1)
        consensus.proposals.increment()
        metrics.mempoolSize.record(7)
        metrics.peers.record(3)
        consensus.finalityLatency.recordMilliseconds(1_200)
        metrics.blockInterval.recordMilliseconds(1_000)
        consensus.storeCommitLatency.recordNanoseconds(800_000)
        consensus.missedVote(validator: ChainFixture.validatorKeys[2].publicKey.address)
        consensus.missedVote(validator: ChainFixture.validatorKeys[2].publicKey.address)
        metrics.evidenceSeen(.duplicateVote)
        let (response, wrongPath, wrongMethod) = try await scrape(registry)

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
        #expect(lines.contains("ratify_evidence_seen_total{kind=\"duplicate_vote\"} 1"))
        #expect(lines.contains("ratify_build_info{version=\"9.9.9\",commit=\"abc123\"} 1.0"), "\(lines.filter { $0.contains("build") })")
        #expect(wrongPath.status == 404)
        #expect(wrongMethod.status == 405)
        expectEveryMetricDescribed(response.body)
    }

    @Test("a proof-of-work node's metrics hold its miner's and no proof-of-stake consensus metrics; a hybrid's its checkpoint evidence")
    func metricsByNodeKind() async throws {
        let pow = NodeMetrics.prometheus(kind: .proofOfWork(hybrid: false))
        let hybrid = NodeMetrics.prometheus(kind: .proofOfWork(hybrid: true))
        let stake = NodeMetrics.prometheus(kind: .proofOfStake)
        hybrid.metrics.evidenceSeen(.checkpointSurroundVote)
        let powText = try await scrape(pow.registry).metrics.body
        let hybridText = try await scrape(hybrid.registry).metrics.body
        let stakeText = try await scrape(stake.registry).metrics.body
        #expect(powText.contains("\n" + PoWMetrics.names.hashes + " 0"))
        #expect(!powText.contains(ConsensusMetrics.names.rounds) && !powText.contains(ConsensusMetrics.names.validatorPower))
        #expect(!powText.contains(NodeMetrics.names.evidence))
        #expect(hybridText.contains("ratify_evidence_seen_total{kind=\"checkpoint_surround_vote\"} 1"))
        #expect(hybridText.contains("ratify_evidence_seen_total{kind=\"checkpoint_double_vote\"} 0"))
        #expect(!stakeText.contains("ratify_pow_"))
        #expect(stakeText.contains("\n" + ConsensusMetrics.names.validatorPower + " 0"))
        for text in [powText, hybridText, stakeText] { expectEveryMetricDescribed(text) }
    }

    @Test("a validator missing from the last commit has a series of its own until it signs again; this validator's misses count")
    func missingValidators() async throws {
        let (metrics, registry) = NodeMetrics.prometheus(kind: .proofOfStake)
        let consensus = try #require(metrics.consensus)
        let keys = Array(ChainFixture.validatorKeys.prefix(3))
        let set = try ValidatorSet(validators: keys.map { Validator(publicKey: $0.publicKey, votingPower: 10) })
        let names = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1.publicKey.address, "validator-\($0)") })
        let me = set.validators[0].address
        func commit(height: Height, absent: Set<Int>) -> Commit {
            Commit(height: height, round: 0, blockID: BlockID(hash: Hash.sha256([UInt8(height)])),
                   signatures: set.validators.indices.map { absent.contains($0) ? .absent : .commit(keys[0].sign([1])) })
        }
        let absentName = try #require(names[set.validators[2].address])

        consensus.record(CommitParticipation(commit: commit(height: 5, absent: [0, 2]), validators: set, me: me, name: { names[$0] }))
        let missing = try await scrape(registry).metrics.body
        consensus.record(CommitParticipation(commit: commit(height: 6, absent: [0]), validators: set, me: me, name: { names[$0] }))
        consensus.record(CommitParticipation(commit: commit(height: 7, absent: []), validators: set, me: me, name: { names[$0] }))
        let present = try await scrape(registry).metrics.body

        let series = "ratify_consensus_missing_validator{address=\"\(set.validators[2].address.hex)\",name=\"\(absentName)\"} 1.0"
        #expect(missing.contains(series), "\(missing)")
        #expect(missing.contains("\nratify_consensus_missing_validators 2.0"))
        #expect(missing.contains("\nratify_consensus_missing_validators_power 20.0"))
        #expect(!present.contains("ratify_consensus_missing_validator{"), "removed once present: \(present)")
        #expect(present.contains("\nratify_consensus_missing_validators 0.0"))
        #expect(present.contains("\nratify_validator_missed_blocks_total 2"))
        #expect(present.contains("\nratify_validator_last_signed_height 7.0"))
        expectEveryMetricDescribed(missing)
    }

    @Test("a /proc/self/stat line is read from after the command name, which may hold spaces and parentheses")
    func processStatLine() throws {
        let line = "4242 (ratify (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9 0 123456 1000000 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let stat = try #require(ProcessStat(statLine: line, clockTicksPerSecond: 100, pageBytes: 4_096))
        #expect(stat.cpuSeconds == 3.25)
        #expect(stat.startSecondsAfterBoot == 1_234.56)
        #expect(stat.residentBytes == 3_000 * 4_096)
        #expect(ProcessStat(statLine: "4242 (ratify) S 1 2", clockTicksPerSecond: 100, pageBytes: 4_096) == nil)
        #expect(ProcessStat.bootTimeSeconds(procStat: "cpu  1 2 3\nbtime 1767225600\nprocesses 9\n") == 1_767_225_600)
    }

    @Test("docs/NODE.md documents every metric a node makes, docs/NETWORK.md every p2p one")
    func everyMetricDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs")
        let node = try String(contentsOf: docs.appendingPathComponent("NODE.md"), encoding: .utf8)
        let network = try String(contentsOf: docs.appendingPathComponent("NETWORK.md"), encoding: .utf8)
        let process = ProcessMetrics.names
        let nodeNames = Array(MetricHelp.node.keys) + [process.cpuSeconds, process.residentMemoryBytes, process.openFDs, process.maxFDs,
                                                       process.startTimeSeconds]
        #expect(nodeNames.count > 25)
        #expect(nodeNames.filter { !node.contains("`\($0)") }.isEmpty, "undocumented in docs/NODE.md: \(nodeNames.filter { !node.contains("`\($0)") })")
        let p2p = Array(NetMetricHelp.byName.keys)
        #expect(p2p.filter { !network.contains("`\($0)") }.isEmpty, "undocumented in docs/NETWORK.md: \(p2p.filter { !network.contains("`\($0)") })")
    }

    /// Each metric family in `text` has a `# HELP` and a `# TYPE` line, and each sample a family.
    private func expectEveryMetricDescribed(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = text.split(separator: "\n")
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) })
        let typed = Set(lines.filter { $0.hasPrefix("# TYPE ") }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) })
        #expect(!typed.isEmpty, sourceLocation: sourceLocation)
        #expect(typed.subtracting(helped).isEmpty, "families without # HELP: \(typed.subtracting(helped).sorted())", sourceLocation: sourceLocation)
        for sample in lines where !sample.hasPrefix("#") {
            let name = String(sample.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].first { name.hasSuffix($0) && typed.contains(String(name.dropLast($0.count))) }
                .map { String(name.dropLast($0.count)) } ?? name
            #expect(typed.contains(family), "no # TYPE for \(sample)", sourceLocation: sourceLocation)
        }
    }
}
