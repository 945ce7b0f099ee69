import Foundation
import RatifyBench
import Testing

/// `ratify bench compare` against real localnets it starts itself: 4 `ratify start` validators,
/// then 4 PoW miners at an easy difficulty (about a million hashes a block) with k = 2. Checks
/// that every row is complete, not how fast anything is (docs/PERFORMANCE.md measures that).
@Suite("bench compare against localnets", .serialized)
struct CompareBenchTests {
    @Test("pos, pow and hybrid run the same load to completion")
    func posAgainstPoW() async throws {
        var options = CompareOptions(binary: NodeProcess.binary, command: "ratify bench compare (test)")
        options.modes = [.pos, .pow, .hybrid]
        options.ratePerSecond = 10
        options.durationSeconds = 8
        options.warmupSeconds = 2
        options.clients = 64
        options.confirmations = 2
        options.pow.initialBits = 0x1f00_0e00
        options.pow.targetBlockMillis = 500
        options.pow.asertHalfLifeSeconds = 60
        let lines = ProgressLines()
        let document = try await CompareBench(options: options) { lines.append($0) }.run()

        #expect(document.schema == "ratify.bench.compare/v1" && document.settings.confirmations == 2)
        #expect(document.rows.map(\.mode) == ["pos", "pow", "hybrid"])
        let pos = document.rows[0], pow = document.rows[1], hybrid = document.rows[2]
        for row in [pos, pow, hybrid] {
            #expect(row.status == .measured, "\(row.mode): \(row.reason ?? "")")
            #expect(row.offered == 80 && row.finalized == row.offered, "\(row.mode): every offered transfer is final: \(row.reason ?? "")")
            #expect((row.finalityMillis?.p50 ?? 0) > 0 && (row.cpuSecondsPerFinalizedTx ?? 0) > 0)
        }
        #expect(pos.finality == "2/3+ precommits" && pos.hashesPerFinalizedTx == 0)
        #expect(pow.finality == "2 confirmations" && (pow.hashesPerFinalizedTx ?? 0) > 0 && (pow.hashesPerSecond ?? 0) > 0)
        #expect(hybrid.finality == "checkpoint finalized" && (hybrid.hashesPerFinalizedTx ?? 0) > 0)
        // The hybrid nodes' checkpoint step lines reached the report, for epochs of 4 blocks.
        #expect(document.settings.epochLength == 4 && pos.checkpointSteps == nil && pow.checkpointSteps == nil)
        let steps = try #require(hybrid.checkpointSteps)
        #expect(steps.epochLength == 4 && steps.checkpointsFinalized >= 1 && (steps.rulesFinalityMillis ?? 0) > 0)
        let voteSigned = try #require(steps.voteSignedMillis), finalized = try #require(steps.finalizedMillis)
        #expect(voteSigned < finalized, "a checkpoint is finalized an epoch after its vote")
        #expect(lines.snapshot.contains { $0.contains("measuring") })
        let table = CompareTable.text(document)
        #expect(table.contains("hybrid: checkpoint steps, p50 ms after the checkpoint block"))
        #expect(try CompareDocument.decode(document.jsonData()) == document)
    }
}
