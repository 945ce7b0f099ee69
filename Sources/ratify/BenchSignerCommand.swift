import ArgumentParser
import Foundation
import RatifyBench

/// `ratify bench signer`: one signature with the local key against one through a remote signer
/// on loopback (docs/PERFORMANCE.md, "Remote signer").
struct BenchSignerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signer",
        abstract: "Measure one signature: local key and guard, against a remote signer on loopback.",
        discussion: """
            Signs --count prevotes one at a time through a double-sign guard in a temporary store \
            (what a node with its key pays: an fsynced write and a signature), then through a \
            `ratify signer` service on 127.0.0.1 (the encrypted request, the signer's own fsynced \
            guard write and signature, the answer). A node with a remote signer pays both.
            """)

    @Option(help: "Signatures measured in each mode.")
    var count = 1_000

    func run() throws {
        guard (1...1_000_000).contains(count) else { throw StandardError.fail("--count must be between 1 and 1000000, got \(count)") }
        let result: SignerBench.Result
        do { result = try SignerBench.run(count: count) } catch { throw StandardError.fail(error) }
        func line(_ name: String, _ summary: LatencySummary) -> String {
            String(format: "%@  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  mean %.3f ms  (%d signatures)",
                   name, summary.p50, summary.p90, summary.p99, summary.max, summary.mean, summary.count)
        }
        print(line("local key, node's guard     ", result.local))
        print(line("remote signer over loopback ", result.remote))
    }
}
