import Foundation
@testable import RatifyBench
import RatifyOps
import Testing

@Suite("bench compare")
struct CompareTests {
    static let machine = MachineInfo(cores: 2, cpuModel: "test", kernel: "Linux", memoryBytes: 1 << 30,
                                     loadAverageStart: [1, 1, 1], loadAverageEnd: [2, 2, 2])

    /// A 10 s window: `finalized` of `offered` final, latencies `p50` ... `max`, 4 nodes of 2.5 CPU s each.
    static func report(offered: Int, finalized: Int, p50: Double, max: Double) -> BenchReport {
        let latency = LatencySummary(count: finalized, p50: p50, p90: p50 * 1.5, p99: p50 * 2, p999: max, max: max, mean: p50)
        let throughput = BenchReport.Throughput(
            offered: offered, offeredPerSecond: Double(offered) / 10, finalized: finalized, finalizedPerSecond: Double(finalized) / 10,
            rejected: 0, timedOut: offered - finalized, failed: 0,
            failureReasons: offered > finalized ? ["not final before the node's wait=final timeout (504)": offered - finalized] : [:])
        let settings = BenchReport.Settings(validators: 4, rateTxPerSecond: Double(offered) / 10, durationSeconds: 10, warmupSeconds: 2,
                                            clients: 64, attach: nil, timeoutProposeMillis: nil, timeoutCommitMillis: nil,
                                            heartbeatMillis: nil, finalityMethod: "test", buildMode: "debug", durableStorage: true)
        let nodes = (0..<4).map { BenchReport.Node(name: "node\($0)", rssMaxBytes: 1 << 20, cpuSeconds: 2.5, cpuCoreShare: 0.25) }
        let blocks = BenchReport.Blocks(count: 0, perSecond: 0, transactionsPerBlockMean: 0, transactionsPerBlockMax: 0, roundsAboveZero: 0,
                                        proposeToFinal: .empty, proposeToFinalMethod: "none", steps: nil)
        return BenchReport(machine: machine, settings: settings, startedAt: "2026-11-23T00:00:00Z", windowSeconds: 10,
                           throughput: throughput, latencyMillis: BenchReport.Latencies(submitToFinal: latency, submitToProposal: .empty, sendLag: .empty),
                           blocks: blocks, nodes: nodes, clientCPUSeconds: 1, samples: [], blockSeries: [])
    }

    static func document() -> CompareDocument {
        let settings = CompareDocument.Settings(validators: 4, rateTxPerSecond: 20, durationSeconds: 10, warmupSeconds: 2, clients: 64,
                                                confirmations: 6, powInitialBits: "1e007000", targetBlockMillis: 1_500, epochLength: 4,
                                                buildMode: "release")
        let rows = [
            CompareRow.measured(mode: "pos", finality: "2/3+ precommits", report: report(offered: 200, finalized: 200, p50: 40, max: 90),
                                hashesPerSecond: 0),
            CompareRow.measured(mode: "pow", finality: "6 confirmations", report: report(offered: 200, finalized: 100, p50: 9_000, max: 20_000),
                                hashesPerSecond: 25_000_000),
            CompareRow(mode: "hybrid", status: .failed, reason: "node2 exited with status 1", finality: "checkpoint finalized"),
        ]
        return CompareDocument(command: "ratify bench compare", machine: machine, settings: settings, rows: rows)
    }

    @Test("a measured row divides the window's node CPU and hashes by the transactions finalized in it")
    func measuredRow() throws {
        let rows = Self.document().rows
        #expect(rows[0].cpuSecondsPerFinalizedTx == 10.0 / 200 && rows[0].hashesPerFinalizedTx == 0)
        #expect(rows[0].reason == nil, "all offered were final")
        // 25 MH/s over a 10 s window, 100 final: 2.5 million hashes each.
        #expect(rows[1].hashesPerFinalizedTx == 2_500_000 && rows[1].cpuSecondsPerFinalizedTx == 0.1)
        #expect(rows[1].offeredPerSecond == 20 && rows[1].finalizedPerSecond == 10 && rows[1].nodeCPUSeconds == 10)
        #expect(rows[1].reason?.hasPrefix("100 of 200 not final: not final before the node's wait=final timeout (504) (100)") == true)
        let none = CompareRow.measured(mode: "pow", finality: "6 confirmations", report: Self.report(offered: 10, finalized: 0, p50: 0, max: 0),
                                       hashesPerSecond: 1)
        #expect(none.cpuSecondsPerFinalizedTx == nil && none.hashesPerFinalizedTx == nil, "nothing final: no per-transaction figure")
    }

    @Test("the table has a row per mode, measured figures in columns, and a failed mode with its reason")
    func table() {
        let document = Self.document()
        let rows = CompareTable.rows(document)
        #expect(rows.count == 3)
        #expect(rows[0] == ["pos", "2/3+ precommits", "40.0", "60.0", "80.0", "90.0", "20.0", "20.0", "0.0500", "0"])
        #expect(rows[1] == ["pow", "6 confirmations", "9000.0", "13500.0", "18000.0", "20000.0", "20.0", "10.0", "0.1000", "2.5e+06"])
        #expect(rows[2] == ["hybrid", "failed: node2 exited with status 1"])
        let text = CompareTable.text(document)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("same load for every mode: 20 tx/s open-loop for 10 s after 2 s warm-up, 4 nodes, release build"))
        #expect(lines[1].hasPrefix("mode") && lines[1].contains("hashes/tx"))
        #expect(lines[2].count == lines[1].count && lines[3].count == lines[1].count, "measured rows line up under the header")
        #expect(lines[4] == "hybrid  failed: node2 exited with status 1")
        #expect(lines[5].hasPrefix("pow: 100 of 200 not final"))
    }

    @Test("JSON: schema ratify.bench.compare/v1, snake_case keys, and it reads back equal")
    func json() throws {
        let document = Self.document()
        let data = try document.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "ratify.bench.compare/v1")
        #expect(Set(object.keys) == ["schema", "command", "machine", "settings", "rows"])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(Set(settings.keys) == ["validators", "rate_tx_per_s", "duration_s", "warmup_s", "clients", "confirmations",
                                       "pow_initial_bits", "target_block_ms", "epoch_length", "build_mode"])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(Set(rows[1].keys) == ["mode", "status", "reason", "finality", "finality_ms", "offered", "finalized", "offered_per_s",
                                      "finalized_per_s", "node_cpu_s", "cpu_s_per_finalized_tx", "hashes_per_s", "hashes_per_finalized_tx"])
        #expect(rows[2]["status"] as? String == "failed" && rows[2]["finality_ms"] == nil)
        #expect(try CompareDocument.decode(data) == document)
    }

    @Test("checkpoint steps: the median node per checkpoint, then the median over checkpoints; the rules' finality at the block rate")
    func checkpointBreakdown() throws {
        typealias Key = CheckpointBreakdown.Key
        let steps: [Key: [Double]] = [
            // Checkpoint 1: three nodes; the median node is the one at 900.
            Key(step: .voteSigned, epoch: 1, blockHash: "a"): [900, 100, 5_000],
            Key(step: .voteSigned, epoch: 2, blockHash: "b"): [300],
            Key(step: .voteSigned, epoch: 3, blockHash: "c"): [700],
            Key(step: .justified, epoch: 1, blockHash: "a"): [1_000],
            Key(step: .finalized, epoch: 1, blockHash: "a"): [6_000, 6_200],
            Key(step: .finalized, epoch: 2, blockHash: "b"): [8_000],
        ]
        let breakdown = CheckpointBreakdown.make(steps: steps, epochLength: 4, blockIntervalMillis: 2_000)
        #expect(breakdown.voteSignedMillis == 700, "median of 900, 300, 700")
        #expect(breakdown.supermajorityMillis == nil && breakdown.justifiedMillis == 1_000)
        #expect(breakdown.checkpointsFinalized == 2 && breakdown.finalizedMillis == 8_000, "the upper median of 6,200 and 8,000")
        // Epochs of 4 at a block every 2 s: 1 + 1.5 + 5 = 7.5 blocks, 15 s.
        #expect(breakdown.blockIntervalMillis == 2_000 && breakdown.rulesFinalityMillis == 15_000)
        #expect(CheckpointBreakdown.rulesFinalityBlocks(epochLength: 32) == 49.5)
        #expect(CheckpointBreakdown.make(steps: [:], epochLength: 4, blockIntervalMillis: nil).rulesFinalityMillis == nil)

        var document = Self.document()
        var hybrid = CompareRow.measured(mode: "hybrid", finality: "checkpoint finalized",
                                         report: Self.report(offered: 200, finalized: 200, p50: 12_000, max: 20_000), hashesPerSecond: 1)
        hybrid.checkpointSteps = breakdown
        document.rows[2] = hybrid
        let lines = CompareTable.text(document).split(separator: "\n").map(String.init)
        #expect(lines.last == "hybrid: checkpoint steps, p50 ms after the checkpoint block over 2 finalized checkpoints: vote signed 700, votes past 2/3 -, justified 1000, finalized 8000; epochs of 4 blocks, a block every 2000 ms: the rules allow a transaction about 15000 ms (7.5 blocks)")
        let data = try document.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let row = try #require((object["rows"] as? [[String: Any]])?[2]["checkpoint_steps"] as? [String: Any])
        #expect(Set(row.keys) == ["epoch_length", "checkpoints_finalized", "vote_signed_ms", "justified_ms", "finalized_ms",
                                  "block_interval_ms", "rules_finality_ms"], "a step no node logged is left out")
        #expect(try CompareDocument.decode(data) == document)
    }

    @Test("the block interval is node 0's new heights over the window: other nodes, reorgs back and earlier tips do not count")
    func blockInterval() throws {
        let log = LocalnetLog()
        func tip(_ height: UInt64) throws -> PoWTipLine {
            try #require(PoWTipLine("x: final_height=0 hash=ab height=\(height) interval_ms=1 txs=0 [RatifyNode] new tip"[...]))
        }
        log.recordTip(try tip(1), from: 0, atSeconds: 100)
        log.recordTip(try tip(2), from: 0, atSeconds: 110)
        log.recordTip(try tip(9), from: 1, atSeconds: 111)
        log.recordTip(try tip(4), from: 0, atSeconds: 114)
        log.recordTip(try tip(3), from: 0, atSeconds: 115)
        log.recordTip(try tip(6), from: 0, atSeconds: 118)
        #expect(log.blockIntervalMillis(sinceSeconds: 105) == 2_000, "heights 2 to 6 in 8 s")
        #expect(log.blockIntervalMillis(sinceSeconds: 117) == nil, "one tip is no interval")
    }

    @Test("Prometheus text: a counter's samples are summed over labels; a longer name sharing the prefix is not counted")
    func prometheus() {
        let text = """
            # TYPE ratify_pow_hashes_total counter
            ratify_pow_hashes_total 1500
            ratify_pow_hashes_total{thread="1"} 500 1700000000
            ratify_pow_hashes_total_extra 7
            ratify_pow_blocks_mined_total 3
            """
        #expect(PrometheusText.sum("ratify_pow_hashes_total", in: text) == 2_000)
        #expect(PrometheusText.sum("ratify_pow_reorgs_total", in: text) == nil)
    }

    @Test("options: modes, confirmations, the epoch length and the load are checked")
    func options() {
        var options = CompareOptions(binary: "ratify", command: "test")
        #expect(options.problem == nil && options.modes == [.pos, .pow, .hybrid])
        options.modes = [.pos, .pos]
        #expect(options.problem == "--modes: a mode is named twice")
        options.modes = [.pow]
        options.confirmations = 0
        #expect(options.problem == "--confirmations must be at least 1")
        options.confirmations = 2
        #expect(options.chainPoW.confirmations == 2 && options.problem == nil)
        #expect(options.hybridEpochLength == 4, "as ratify testnet")
        options.hybridEpochLength = 0
        #expect(options.problem == "--epoch-length must be positive")
        options.hybridEpochLength = 32
        options.ratePerSecond = 0
        #expect(options.problem?.hasPrefix("--rate") == true)
    }
}
