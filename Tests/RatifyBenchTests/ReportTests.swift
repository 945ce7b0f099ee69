import Foundation
@testable import RatifyBench
import RatifyNode
import Testing
import RatifyOps

@Suite("report")
struct ReportTests {
    /// 10 sends per second over 3 s; the first second is warm-up.
    static func outcomes() -> [TransactionOutcome] {
        (0..<30).map { index in
            let intended = UInt64(index) * 100_000_000
            let result: TransactionOutcome.Result = index == 25 ? .rejected("429 mempool full") : (index == 26 ? .timedOut : .final(height: UInt64(index / 10 + 1)))
            return TransactionOutcome(intendedNanos: intended, sentNanos: intended + 1_000_000,
                                      answeredNanos: intended + UInt64(index < 10 ? 500 : 5) * 1_000_000, result: result)
        }
    }

    static let builder = ReportBuilder(startWallMillis: 1_000_000, windowStartNanos: 1_000_000_000, windowEndNanos: 3_000_000_000)

    @Test("warm-up sends are left out; offered counts every scheduled send of the window, finalized only final answers")
    func throughput() {
        let throughput = Self.builder.throughput(Self.outcomes())
        #expect(throughput.offered == 20)
        #expect(throughput.finalized == 18)
        #expect(throughput.rejected == 1 && throughput.timedOut == 1)
        #expect(throughput.offeredPerSecond == 10 && throughput.finalizedPerSecond == 9)
        #expect(throughput.failureReasons["429 mempool full"] == 1)
    }

    @Test("latency counts from the intended send time; the warm-up's 500 ms answers do not show")
    func latency() {
        let blocks = (1...3).map { ObservedBlock(height: UInt64($0), timeMillis: 1_000_000 + UInt64($0) * 1_000 - 2, transactions: 10, round: 0) }
        let latencies = Self.builder.latencies(Self.outcomes(), blocks: blocks)
        #expect(latencies.submitToFinal.count == 18)
        #expect(abs(latencies.submitToFinal.max - 5) < 0.01)
        #expect(abs(latencies.sendLag.p50 - 1) < 0.01)
        // Height 2's header is at 1998 ms; sends of that height were intended at 1000 ... 1900 ms.
        #expect(latencies.submitToProposal.max <= 998.5 && latencies.submitToProposal.count == 18)
    }

    @Test("blocks of the window: rate, transactions per block, rounds above zero, latency from logs")
    func blocks() {
        let blocks = [
            ObservedBlock(height: 1, timeMillis: 1_000_500, transactions: 4, round: 0, nodeProposeToFinalMillis: 3),
            ObservedBlock(height: 2, timeMillis: 1_001_500, transactions: 6, round: 1, nodeProposeToFinalMillis: 9),
            ObservedBlock(height: 3, timeMillis: 1_002_500, transactions: 2, round: 0, nodeProposeToFinalMillis: 4),
        ]
        let report = Self.builder.blocks(blocks, outcomes: Self.outcomes())
        #expect(report.count == 2)
        #expect(report.perSecond == 1)
        #expect(report.transactionsPerBlockMean == 4 && report.transactionsPerBlockMax == 6)
        #expect(report.roundsAboveZero == 1)
        #expect(abs(report.proposeToFinal.max - 9) < 0.01)
        #expect(report.proposeToFinalMethod.hasPrefix("node logs"))
    }

    @Test("height steps: each node's finalized line is read, the median validator's steps are taken per height and summarized over the window")
    func heightSteps() throws {
        let log = LocalnetLog()
        // Height 2 as three validators and one follower (no steps) logged it.
        for (node, propose) in [(0, 1.0), (1, 2.0), (2, 9.0)] {
            let line = "2026-11-23T14:00:00+0000 info ratify: app_hash=aa commit_ms=0.70 hash=bb height=2 interval_ms=4 latency_ms=\(3 + node) "
                + "precommit_ms=0.60 prevote_ms=0.50 propose_ms=\(propose) round=0 sign_ms=0.90 store_ms=0.4 txs=6 [RatifyNode] finalized"
            log.record(try #require(FinalizedLine(line[...])), node: node)
        }
        log.record(try #require(FinalizedLine("info ratify: hash=bb height=2 latency_ms=8 round=0 store_ms=0.8 txs=6 [RatifyNode] finalized")), node: 3)
        let logged = try #require(log.blocks()[2])
        #expect(logged.latencyMillis == 5)
        #expect(logged.storeMillis == 0.4)
        #expect(logged.steps == HeightSteps(proposeMillis: 2, prevoteMillis: 0.5, precommitMillis: 0.6, commitMillis: 0.7, signMillis: 0.9))
        #expect(log.latestHeights(nodes: 5) == [2, 2, 2, 2, 0])

        // Both in the window (the first second is warm-up).
        var blocks = [ObservedBlock(height: 1, timeMillis: 1_001_200, transactions: 4, round: 0),
                      ObservedBlock(height: 2, timeMillis: 1_001_500, transactions: 6, round: 0)]
        blocks[0].nodeSteps = HeightSteps(proposeMillis: 4, prevoteMillis: 1, precommitMillis: 1, commitMillis: 1, signMillis: 1)
        blocks[0].nodeStoreMillis = 0.6
        blocks[1].nodeSteps = logged.steps
        blocks[1].nodeStoreMillis = logged.storeMillis
        let steps = try #require(Self.builder.blocks(blocks, outcomes: Self.outcomes()).steps)
        #expect(steps.propose.count == 2)
        #expect(abs(steps.propose.max - 4) < 0.01 && abs(steps.prevote.max - 1) < 0.01)
        #expect(abs(steps.store.max - 0.6) < 0.01)
        #expect(Self.builder.blocks([ObservedBlock(height: 1, timeMillis: 1_001_200, transactions: 4, round: 0)],
                                    outcomes: Self.outcomes()).steps == nil, "no steps when no node logged them (attached)")
    }

    @Test("the localnet log flags a height at which two nodes logged different block or app hashes, and only that one")
    func liveDisagreement() throws {
        let log = LocalnetLog()
        func line(_ height: Int, hash: String, appHash: String) throws -> FinalizedLine {
            try #require(FinalizedLine("info ratify: app_hash=\(appHash) hash=\(hash) height=\(height) latency_ms=3 round=0 txs=1 [RatifyNode] finalized"))
        }
        for node in 0..<3 { log.record(try line(1, hash: "aa", appHash: "01"), node: node) }
        log.record(try line(2, hash: "bb", appHash: "02"), node: 0)
        log.record(try line(2, hash: "bb", appHash: "03"), node: 1)
        log.record(try line(3, hash: "cc", appHash: "04"), node: 0)
        log.record(try line(3, hash: "dd", appHash: "04"), node: 2)
        #expect(log.disagreeingHeights == [2, 3])
        #expect(log.latestHeights(nodes: 3) == [3, 2, 3])
    }

    @Test("a run is sustainable only when every offered transaction is final within the p99 bound")
    func sustainable() throws {
        var report = try Self.sampleReport()
        #expect(!report.isSustainable(p99BoundMillis: 100))
        report.throughput.finalized = report.throughput.offered
        #expect(report.isSustainable(p99BoundMillis: 100))
        #expect(!report.isSustainable(p99BoundMillis: 1))
    }

    static func sampleReport() throws -> BenchReport {
        let outcomes = outcomes()
        let blocks = [ObservedBlock(height: 2, timeMillis: 1_001_500, transactions: 10, round: 0)]
        let settings = BenchReport.Settings(validators: 4, rateTxPerSecond: 10, durationSeconds: 2, warmupSeconds: 1, clients: 8,
                                            attach: nil, timeoutProposeMillis: 1_000, timeoutCommitMillis: 0, heartbeatMillis: 1_000,
                                            finalityMethod: FinalityBench.finalityMethod(.events), buildMode: "debug", durableStorage: true)
        return BenchReport(machine: .current(), settings: settings, startedAt: "2026-11-23T12:00:00Z", windowSeconds: builder.windowSeconds,
                           throughput: builder.throughput(outcomes), latencyMillis: builder.latencies(outcomes, blocks: blocks),
                           blocks: builder.blocks(blocks, outcomes: outcomes),
                           nodes: [BenchReport.Node(name: "node0", rssMaxBytes: 50 << 20, cpuSeconds: 1, cpuCoreShare: 0.5)],
                           clientCPUSeconds: 0.2, samples: builder.samples(outcomes), blockSeries: builder.blockSeries(blocks))
    }

    @Test("the JSON has the documented schema: names, nesting and units, and it reads back equal")
    func jsonSchema() throws {
        let document = BenchDocument(mode: "single", command: "ratify bench finality", runs: [try Self.sampleReport()])
        let data = try document.jsonData()
        #expect(try BenchDocument.decode(data) == document)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "ratify.bench.finality/v1")
        #expect(object["mode"] as? String == "single")
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        for key in ["machine", "settings", "started_at", "window_s", "throughput", "latency_ms", "blocks", "nodes", "client_cpu_s",
                    "samples", "block_series"] {
            #expect(run[key] != nil, "run.\(key)")
        }
        let latency = try #require(run["latency_ms"] as? [String: Any])
        let final = try #require(latency["submit_to_final"] as? [String: Any])
        #expect(Set(final.keys) == ["count", "p50", "p90", "p99", "p99_9", "max", "mean"])
        let throughput = try #require(run["throughput"] as? [String: Any])
        for key in ["offered", "offered_tx_per_s", "finalized", "finalized_tx_per_s", "rejected", "timed_out", "failed", "failure_reasons"] {
            #expect(throughput[key] != nil, "throughput.\(key)")
        }
        let blocks = try #require(run["blocks"] as? [String: Any])
        for key in ["count", "per_s", "txs_per_block_mean", "txs_per_block_max", "rounds_above_zero", "propose_to_final"] {
            #expect(blocks[key] != nil, "blocks.\(key)")
        }
        let machine = try #require(run["machine"] as? [String: Any])
        #expect((machine["cores"] as? Int ?? 0) >= 1)
        let sample = try #require((run["samples"] as? [[String: Any]])?.first)
        #expect(Set(sample.keys) == ["t", "latency_ms"])
        #expect(abs((sample["t"] as? Double ?? 0) + 1) < 1e-9, "t counts from the end of the warm-up")
    }

    @Test("answers are read without a JSON parse: height, and an error's message")
    func answerParsing() {
        let final = Array(#"{"hash":"ab","height": 42,"index":0,"latency_ms":3}"#.utf8)
        #expect(LoadGenerator.classify(.init(status: 200, body: final)) == .final(height: 42))
        let full = Array(#"{"error":{"code":103,"message":"mempool is full"}}"#.utf8)
        #expect(LoadGenerator.classify(.init(status: 429, body: full)) == .rejected("429 mempool is full"))
        #expect(LoadGenerator.classify(.init(status: 504, body: [])) == .timedOut)
        // A plain POST /tx: admitted is not final yet (its event decides); a refusal is one.
        let admitted = Array(#"{"hash":"ab","code":0}"#.utf8)
        #expect(LoadGenerator.classifyAdmission(.init(status: 200, body: admitted)) == .timedOut)
        #expect(LoadGenerator.classifyAdmission(.init(status: 429, body: full)) == .rejected("429 mempool is full"))
    }

    @Test("options: one-line problems naming the option")
    func options() {
        var options = FinalityBenchOptions(binary: "ratify", command: "")
        #expect(options.problem == nil)
        #expect(options.confirmation == .events, "finality from /events unless --confirm wait")
        options.ratePerSecond = 0
        #expect(options.problem?.hasPrefix("--rate") == true)
        options.ratePerSecond = 10
        options.attach = ["localhost"]
        #expect(options.problem?.hasPrefix("--attach") == true)
        options.attach = ["http://127.0.0.1:26657/"]
        #expect(options.problem == nil)
        options.sweep = [4, 7]
        #expect(options.problem?.hasPrefix("--sweep") == true)
        options.sweep = []
        options.retainBlocks = 100
        #expect(options.problem?.hasPrefix("--retain-blocks configures the benchmark's own localnet") == true)
        options.attach = []
        #expect(options.problem == nil)
        options.retainBlocks = 1
        #expect(options.problem == "--retain-blocks: expected 0 (keep every block) or at least 2, got 1")
        options.retainBlocks = 0
        #expect(options.problem == nil)
        options.batchWindowMillis = 5
        #expect(options.problem == nil)
        options.batchWindowMillis = -1
        #expect(options.problem == "--batch-window-ms must be between 0 and 1000, got -1.0")
        options.batchWindowMillis = 5
        options.confirmation = .wait
        #expect(options.problem?.hasPrefix("--batch-window-ms gathers plain submissions") == true)
    }

    @Test("a POST /txs batch: one hex line per transaction, and one result per transaction read back in order")
    func batchAnswers() {
        #expect(LoadGenerator.batchBody([Array("ab".utf8), Array("cd".utf8)]) == Array("ab\ncd\n".utf8))
        // All admitted: read from the counts alone.
        let admitted = Array(#"{"admitted": 2, "refused": 0, "results": [{"hash": "ab", "code": 0}, {"hash": "cd", "code": 0}]}"#.utf8)
        #expect(LoadGenerator.classifyBatch(.init(status: 200, body: admitted), count: 2) == [.timedOut, .timedOut])
        // Some refused: each with the status and message its own POST /tx would have had.
        let mixed = Array(#"""
            {"admitted": 1, "refused": 2, "results": [
              {"error": {"code": 102, "message": "duplicate transaction"}, "status": 409},
              {"hash": "cd", "code": 0},
              {"error": {"code": 103, "message": "mempool full"}, "status": 429}]}
            """#.utf8)
        #expect(LoadGenerator.classifyBatch(.init(status: 200, body: mixed), count: 3)
                == [.rejected("409 duplicate transaction"), .timedOut, .rejected("429 mempool full")])
        // The whole request refused: every transaction with it.
        let refused = Array(#"{"error":{"code":400,"message":"a batch takes at most 256 transactions; split it"}}"#.utf8)
        #expect(LoadGenerator.classifyBatch(.init(status: 400, body: refused), count: 2)
                == Array(repeating: .rejected("400 a batch takes at most 256 transactions; split it"), count: 2))
        // An answer with the wrong number of results, or none, fails every transaction of it.
        for body in [#"{"admitted": 1, "refused": 1, "results": [{"hash": "ab"}]}"#, "not json"] {
            let results = LoadGenerator.classifyBatch(.init(status: 200, body: Array(body.utf8)), count: 2)
            #expect(results.count == 2 && results.allSatisfy { if case .failed = $0 { true } else { false } }, "\(body)")
        }
    }
}
