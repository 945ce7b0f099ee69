import ArgumentParser
import Foundation
import RatifyBench

/// `ratify bench finality`: parses, runs `FinalityBench`, prints its progress and summary,
/// prints the text or JSON, writes the JSON file and the plot.
struct BenchFinalityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finality",
        abstract: "Send signed transfers open-loop at a constant rate and report how fast they become final.",
        discussion: """
            Starts a fresh localnet of --validators `ratify start` processes (timeouts tuned for \
            latency, durable storage) or attaches to running nodes (--attach), sends transfers at \
            --rate per second without waiting for answers (latency counts from each send's \
            intended time to its tx event on the node's GET /events stream, or with --confirm wait \
            to the answer of POST /tx?wait=final), and reports HdrHistogram percentiles of submit -> final, throughput \
            offered and finalized, blocks per second, transactions per block and rounds. \
            --saturate steps the rate up by half until a step misses --p99-bound-ms or leaves \
            transactions unfinalized, then halves the gap to the last good step --saturate-refine \
            times; --sweep repeats the run per validator count. \
            docs/PERFORMANCE.md describes the method and the JSON schema.
            """)

    @Option(help: "Validators of the benchmark's own localnet.")
    var validators = 4
    @Option(help: "Transactions per second offered.")
    var rate = 1_000.0
    @Option(help: "Seconds measured, after the warm-up.")
    var duration = 30.0
    @Option(help: "Seconds sent but not measured, first.")
    var warmup = 5.0
    @Option(help: "Concurrent senders (accounts), each with its own connection: the most transactions in flight.")
    var clients = 256
    @Option(help: "RPC addresses of running nodes instead of a localnet, comma-separated (http://127.0.0.1:26657,...).")
    var attach: String?
    @Option(help: "With --attach: the homes whose validator keys fund the load's accounts.")
    var homes = "Validators"
    @OptionGroup var output: ReportOutputOptions
    @Option(help: "Render latency over time and its distribution to this PNG (Tools/plot-finality.sh, matplotlib; the JSON goes to --json-file or PNG.json).")
    var plot: String?
    @Flag(help: "Step the rate up from --rate until p99 exceeds --p99-bound-ms or not every transaction is final.")
    var saturate = false
    @Option(name: .customLong("p99-bound-ms"), help: "The p99 bound of --saturate, in milliseconds.")
    var p99BoundMillis = 100.0
    @Option(name: .customLong("saturate-refine"), help: "Steps --saturate adds between the last sustainable and the first unsustainable rate, each halving the gap (0-8).")
    var saturateRefine = 2
    @Option(help: "Validator counts to run one after another, comma-separated (4,7,10,16).")
    var sweep: String?
    @Option(help: "How finality is learned: events (POST /tx, then the tx event of one GET /events stream per node) or wait (POST /tx?wait=final per transaction, for nodes without /events).")
    var confirm = "events"
    @Option(name: .customLong("batch-window-ms"), help: "Gather the sends due within this many milliseconds into one POST /txs per node, as a gateway submitting for many accounts would (latency still counts from each send's intended time). 0, the default, sends each transfer as its own POST /tx.")
    var batchWindowMillis = 0.0
    @Flag(name: .customLong("remote-signer"), help: "The localnet's validators sign through `ratify signer start` processes over loopback.")
    var remoteSigner = false
    @Option(name: .customLong("retain-blocks"), help: "The localnet's [storage] retain_blocks: heights each node keeps (0 keeps every block; default: the node's, 100000).")
    var retainBlocks: UInt64?
    @Option(name: .customLong("timeout-commit-ms"), help: "The localnet's genesis timeout_commit_ms: the wait after each decision, waited out in full ([consensus] skip_timeout_commit = false), so heights are at least this far apart. 0, the default, starts the next height at once.")
    var timeoutCommitMillis: UInt64 = 0

    /// This `ratify` binary: the one the benchmark localnets run.
    static var ownBinary: String {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        return FileManager.default.fileExists(atPath: binary) ? binary : (Bundle.main.executablePath ?? binary)
    }

    /// The command line, recorded in the report.
    static var commandLine: String { (["ratify"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }

    func run() async throws {
        var options = FinalityBenchOptions(binary: Self.ownBinary, command: Self.commandLine)
        options.validators = validators
        options.ratePerSecond = rate
        options.durationSeconds = duration
        options.warmupSeconds = warmup
        options.clients = clients
        options.attach = attach.map { $0.split(separator: ",").map { String($0) } } ?? []
        options.homes = homes
        options.saturate = saturate
        options.p99BoundMillis = p99BoundMillis
        options.saturateRefinements = saturateRefine
        guard let confirmation = FinalityBenchOptions.Confirmation(rawValue: confirm) else {
            throw StandardError.fail("--confirm: expected events or wait, got \"\(confirm)\"")
        }
        options.confirmation = confirmation
        options.batchWindowMillis = batchWindowMillis
        options.remoteSigners = remoteSigner
        options.retainBlocks = retainBlocks
        options.timeoutCommitMillis = timeoutCommitMillis
        if let sweep {
            let counts = sweep.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard counts.allSatisfy({ $0 != nil }), !counts.isEmpty else {
                throw StandardError.fail("--sweep: expected validator counts such as 4,7,10,16, got \"\(sweep)\"")
            }
            options.sweep = counts.compactMap { $0 }
        }
        if let problem = options.problem { throw StandardError.fail(problem) }

        // The plot is drawn from the JSON file, so --plot writes one (beside the PNG unless
        // --json-file names it), and its prerequisites are checked before the run, not after.
        var output = output
        let plotter: PlotRunner?
        if let plot {
            output.jsonFile = output.jsonFile ?? plot + ".json"
            do { plotter = try PlotRunner.prepare() } catch { throw StandardError.fail(error) }
        } else {
            plotter = nil
        }
        try await BenchReporting.run({ [options] in try await FinalityBench(options: options, progress: $0).run() },
                                       text: BenchSummary.text, output: output)
        if let plot, let plotter, let jsonFile = output.jsonFile {
            do { try plotter.plot(json: jsonFile, png: plot) } catch { throw StandardError.fail(error) }
            output.note("plot: \(plot)")
        }
    }
}
