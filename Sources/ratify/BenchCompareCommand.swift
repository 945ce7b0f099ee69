import ArgumentParser
import Foundation
import RatifyBench
import RatifyCore

/// `ratify bench compare`: parses, runs `CompareBench`, prints the table or the JSON, writes the JSON file.
struct BenchCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run the same transfer load on a fresh localnet of each chain mode and compare finality, throughput, CPU and hashes.",
        discussion: """
            For each of --modes, starts a fresh localnet of --validators nodes of that mode, sends \
            the same open-loop transfer load (--rate per second for --warmup + --duration seconds, \
            POST /tx?wait=final), and prints one table: submit -> final p50/p90/p99/max (PoS: \
            2/3+ precommits; PoW: k confirmations; hybrid: checkpoint finalized), throughput \
            offered and finalized, node CPU seconds and hashes per finalized transaction. A mode \
            whose run breaks is listed as "failed" with the reason. The defaults \
            (20 tx/s, 60 s) suit a PoW localnet's block every ~1.5 s; docs/PERFORMANCE.md, \
            "PoS vs PoW vs hybrid", says why and describes the JSON.
            """)

    @Option(help: "Chain modes to run, in order, comma-separated: pos, pow, hybrid.")
    var modes = "pos,pow,hybrid"
    @Option(help: "Nodes of each localnet (validators, or miners).")
    var validators = 4
    @Option(help: "Transactions per second offered, the same in every mode.")
    var rate = 20.0
    @Option(help: "Seconds measured, after the warm-up.")
    var duration = 60.0
    @Option(help: "Seconds sent but not measured, first.")
    var warmup = 10.0
    @Option(help: "Concurrent senders (accounts): the most transactions in flight.")
    var clients = 1_024
    @Option(help: "PoW: blocks on top of a block before it is final (k; default: the genesis's 6).")
    var confirmations: UInt64?
    @Option(name: .customLong("pow-initial-bits"), help: "PoW and hybrid: the first and easiest difficulty, 8 hex digits (default 1e007000).")
    var powInitialBits: String?
    @Option(name: .customLong("target-block-ms"), help: "PoW and hybrid: the block interval the difficulty aims for (default 1500).")
    var targetBlockMillis: UInt64?
    @Option(name: .customLong("epoch-length"), help: "Hybrid: blocks per checkpoint epoch (default 4, as ratify testnet).")
    var epochLength: UInt64?
    @OptionGroup var output: ReportOutputOptions

    func run() async throws {
        var options = CompareOptions(binary: BenchFinalityCommand.ownBinary, command: BenchFinalityCommand.commandLine)
        var chosen: [ChainMode] = []
        for name in modes.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let mode = ChainMode(rawValue: trimmed) else {
                throw StandardError.fail("--modes: expected pos, pow or hybrid, got \"\(trimmed)\"")
            }
            chosen.append(mode)
        }
        options.modes = chosen
        options.validators = validators
        options.ratePerSecond = rate
        options.durationSeconds = duration
        options.warmupSeconds = warmup
        options.clients = clients
        options.confirmations = confirmations
        if let epochLength { options.hybridEpochLength = epochLength }
        try TestnetCommand.apply(powInitialBits: powInitialBits, targetBlockMillis: targetBlockMillis, to: &options.pow)
        if let problem = options.problem { throw StandardError.fail(problem) }

        try await BenchReporting.run({ [options] in try await CompareBench(options: options, progress: $0).run() },
                                       text: CompareTable.text, output: output)
    }
}
