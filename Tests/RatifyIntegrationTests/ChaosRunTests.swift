import Foundation
import RatifyBench
import RatifyClient
import RatifyCore
import RatifyNode
import Testing

/// `ratify chaos` at CI size: 4 real `ratify start` processes under load, a fixed seed whose
/// plan holds every process fault (kill, pause, WAL truncation, clock offset) plus network
/// faults, which loopback mode skips with the reason.
@Suite("chaos run", .serialized)
struct ChaosRunTests {
    static let seed: UInt64 = 12
    static let durationSeconds = 110.0

    @Test("a CI-sized loopback chaos run loses no acknowledged transaction, has no double sign, agrees everywhere and resumes after every heal")
    func loopback() async throws {
        var options = ChaosOptions(seed: Self.seed, binary: NodeProcess.binary, command: "ChaosRunTests.loopback")
        options.durationSeconds = Self.durationSeconds
        options.ratePerSecond = 20
        options.clients = 16
        let lines = ProgressLines()
        let runner = ChaosRunner(options: options) { lines.append($0) }
        let report = try await runner.run()

        #expect(report.passed, "\(report.text)")
        #expect(report.transactions.lost == 0 && report.transactions.duplicated == 0)
        #expect(report.doubleSigns == 0)
        #expect(report.history.disagreements.isEmpty)
        #expect(report.resume.lastHealResumedWithinBound)
        #expect(report.transactions.acknowledged > 0 && report.history.acknowledged == report.transactions.acknowledged)
        #expect(report.latestHeights.count == 4 && report.latestHeights.allSatisfy { $0 > 10 })
        #expect(report.liveDisagreements.isEmpty, "the nodes' logs never named two blocks for one height")
        let applied = Set(report.perturbations.filter { $0.status == "applied" }.map(\.perturbation.kind))
        #expect(applied.isSuperset(of: [.kill, .pause, .truncateWAL, .clockOffset]), "\(report.text)")
        #expect(report.perturbations.filter { $0.perturbation.kind.needsNetworkNamespaces }.allSatisfy {
            $0.status == "skipped" && ($0.detail ?? "").contains("--netns")
        })
        #expect(report.resume.heals >= applied.count)
        #expect(report.perturbations.contains { $0.perturbation.kind == .truncateWAL && ($0.detail ?? "").contains("deleted") })
        #expect(lines.snapshot.contains { $0.hasPrefix("[") && $0.contains("heights") }, "a live progress line")
        #expect(report.json.contains("\"lost\" : 0"))
    }
}

/// In the namespace suite, so it never runs beside its other tests (the namespaces are global).
extension NamespaceTestnetTests {
    @Test("a CI-sized chaos run in network namespaces also partitions (minority and split) and heals, with the same guarantees",
          .enabled("network namespaces can be made here (Tools/netns.sh check)") { NamespaceNetwork.available })
    func chaosWithPartitions() throws {
        let directory = try TemporaryDirectory()
        let script = URL(fileURLWithPath: NamespaceNetwork.script).deletingLastPathComponent().appendingPathComponent("chaos-netns.sh").path
        let json = directory.path + "/chaos.json"
        let run = try RatifyCLI.run(command: [script, "--binary", NodeProcess.binary, "--seed", String(ChaosRunTests.seed),
                                              "--duration", String(Int(ChaosRunTests.durationSeconds)), "--json-file", json])
        #expect(run.status == 0, "\(run)")
        let report = try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: json))), file: json)
        #expect(report["settings"]?["network_namespaces"] == .bool(true))
        #expect(report["transactions"]?["lost"] == .number("0") && report["double_signs"] == .number("0"))
        #expect(report["resume"]?["last_heal_resumed_within_bound"] == .bool(true))
        let applied = (report["perturbations"]?.arrayValue ?? []).filter { $0["status"] == .string("applied") }
        let kinds = Set(applied.compactMap { $0["perturbation"]?["kind"]?.stringValue })
        #expect(kinds.isSuperset(of: ["isolate", "split", "kill", "pause"]), "\(run.stdout)")
        #expect(run.stdout.contains("RESULT: PASS"))
    }
}
