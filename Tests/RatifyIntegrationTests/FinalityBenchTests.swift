import Foundation
import RatifyBench
import Testing

/// `ratify bench finality` against a real localnet it starts itself (4 `ratify start`
/// processes). Checks that the report is complete, not how fast anything is: speed is
/// measured by running the benchmark (docs/PERFORMANCE.md), never asserted in a test.
@Suite("finality benchmark", .serialized)
struct FinalityBenchTests {
    @Test("a short run against a fresh 4-validator localnet finalizes every offered transfer and reports all of it, learning finality from /events (the default) or from held wait=final requests, submitting one transfer a request or batches (POST /txs)",
          arguments: [(FinalityBenchOptions.Confirmation.events, 0.0), (.wait, 0), (.events, 20)])
    func shortRun(confirmation: FinalityBenchOptions.Confirmation, batchWindowMillis: Double) async throws {
        var options = FinalityBenchOptions(binary: NodeProcess.binary, command: "ratify bench finality (test)")
        options.confirmation = confirmation
        options.batchWindowMillis = batchWindowMillis
        options.validators = 4
        options.ratePerSecond = 40
        options.durationSeconds = 3
        options.warmupSeconds = 1
        options.clients = 16
        let lines = ProgressLines()
        let document = try await FinalityBench(options: options) { lines.append($0) }.run()

        #expect(document.schema == "ratify.bench.finality/v1" && document.mode == "single")
        let run = try #require(document.runs.first)
        #expect(run.settings.finalityMethod == FinalityBench.finalityMethod(confirmation, batchWindowMillis: batchWindowMillis))
        #expect(run.settings.finalityMethod.contains("POST /txs") == (batchWindowMillis > 0))
        #expect(run.settings.batchWindowMillis == (batchWindowMillis > 0 ? batchWindowMillis : nil))
        #expect(run.settings.finalityMethod.hasPrefix("\(confirmation.rawValue):"), "the report says which path ran")
        #expect(run.throughput.offered == 120)
        #expect(run.throughput.finalized == run.throughput.offered,
                "every offered transfer is final: \(run.throughput.failureReasons)")
        #expect(run.latencyMillis.submitToFinal.count == 120)
        #expect(run.latencyMillis.submitToFinal.p50 > 0)
        #expect(run.latencyMillis.submitToFinal.p50 <= run.latencyMillis.submitToFinal.p99)
        #expect(run.latencyMillis.submitToProposal.count == 120, "each final transfer's block was read back")
        #expect(run.blocks.count > 0 && run.blocks.transactionsPerBlockMean > 0)
        #expect(run.blocks.proposeToFinal.count > 0 && run.blocks.proposeToFinalMethod.hasPrefix("node logs"))
        #expect(run.nodes.count == 4 && run.nodes.allSatisfy { $0.rssMaxBytes > 1 << 20 })
        #expect(run.nodes.allSatisfy { ($0.cpuMicrosPerFinalizedTx ?? 0) > 0 })
        // Each validator checks each transaction's signature once (the funding transfers and
        // probes of the warm-up count in both the checks and the finalized transactions' run;
        // anything near 2 or 3 would mean a second check crept back in).
        for node in run.nodes {
            let checks = try #require(node.signatureVerificationsPerTx, "\(node.name) has no verification count")
            #expect(checks >= 0.9 && checks <= 1.3, "\(node.name) checked each signature \(checks) times")
        }
        #expect(run.settings.timeoutCommitMillis == 0 && run.settings.durableStorage)
        #expect(!run.samples.isEmpty && !run.blockSeries.isEmpty)
        #expect(lines.snapshot.contains { $0.contains("measuring") }, "a live progress line while it runs")
        #expect(!lines.snapshot.contains { $0.contains("event stream ended") }, "no node ended a stream: \(lines.snapshot.suffix(2))")
        #expect(try BenchDocument.decode(document.jsonData()) == document)
        let summary = BenchSummary.text(document)
        #expect(summary.contains("finality latency") && summary.contains("p99.9"))
        #expect(summary.contains("final: \(confirmation.rawValue): "), "the summary names the confirmation path")
    }

    @Test("SIGTERM while `ratify bench finality` measures stops the localnet it started, removes its directory, and fails without a report")
    func interrupted() throws {
        let outputPath = NSTemporaryDirectory() + "bench-interrupted-\(UUID().uuidString).txt"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let output = FileHandle(forWritingAtPath: outputPath) else { throw TestFailure("cannot create \(outputPath)") }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = ["bench", "finality", "--validators", "2", "--rate", "20", "--clients", "4", "--warmup", "1", "--duration", "120"]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let started = Date()
        func text() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        while process.isRunning, !text().contains("measuring"), Date().timeIntervalSince(started) < 60 { usleep(100_000) }
        let directory = try #require(text().split(separator: "\n").first { $0.hasPrefix("starting ") }?.split(separator: " ").last.map(String.init),
                                     "the run names its localnet: \(text().suffix(300))")
        #expect(FileManager.default.fileExists(atPath: directory))
        kill(process.processIdentifier, SIGTERM)
        let signalled = Date()
        while process.isRunning, Date().timeIntervalSince(signalled) < 30 { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try output.close()
        #expect(process.terminationReason == .exit && process.terminationStatus != 0, "\(text().suffix(300))")
        #expect(text().contains("interrupted; the benchmark's nodes were stopped"), "\(text().suffix(300))")
        #expect(!text().contains("finality latency"), "no report")
        #expect(!FileManager.default.fileExists(atPath: directory), "the localnet's directory is removed")
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let left = processes.filter { pid in
            Int(pid) != nil && ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains(directory)
        }
        #expect(left.isEmpty, "no node of the run is left running: \(left)")
    }
}

/// Progress lines collected from the benchmark's callback.
final class ProgressLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var snapshot: [String] { lock.withLock { lines } }
}
