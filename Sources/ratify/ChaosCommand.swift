import ArgumentParser
import Foundation
import RatifyBench

/// `ratify chaos`: parses, runs `ChaosRunner`, prints its progress and its report as text or JSON, writes the JSON file.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run a fresh localnet under load while injecting seeded faults, then check its history.",
        discussion: """
            Starts --validators `ratify start` processes, sends signed transfers at --rate per second \
            (POST /tx?wait=final), and applies the faults a seeded plan lays out, never more than 1/3 \
            of the stake at a time: SIGKILL and restart, SIGSTOP/SIGCONT, WAL tail truncation while \
            down, a shifted wall clock; with --netns also partitions and link shaping. Then it stops \
            the nodes and checks that they agree at every height, that no acknowledged transaction is \
            lost or duplicated and that no validator double-signed. Exits 1 when a check fails. \
            docs/RELIABILITY.md describes each fault and check.
            """)

    @Option(help: "Validators of the run's own localnet.")
    var validators = 4
    @Option(help: "Seconds of load and faults (the last 10 are quiet so every node can catch up).")
    var duration = 120.0
    @Option(help: "Seed of the fault plan (default: random, printed so the run can be replayed).")
    var seed: UInt64?
    @Option(help: "Transactions per second offered.")
    var rate = 20.0
    @Option(help: "Concurrent senders (accounts).")
    var clients = 16
    @Flag(help: "Validators in network namespaces (Tools/netns.sh, root): partitions and link shaping too.")
    var netns = false
    @Option(name: .customLong("base-port"), help: "First port of the nodes (10 per node); default: a random free range.")
    var basePort: UInt16?
    @Option(name: .customLong("resume-bound"), help: "Seconds within which every node must finalize again after the last heal.")
    var resumeBound = 60.0
    @Flag(name: .customLong("keep-homes"), help: "Keep the nodes' homes after a passing run (a failing run keeps them always).")
    var keepHomes = false
    @Flag(name: .customLong("plan-only"), help: "Print the fault plan of the seed and exit.")
    var planOnly = false
    @OptionGroup var output: ReportOutputOptions

    func run() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let resolved = FileManager.default.fileExists(atPath: binary) ? binary : (Bundle.main.executablePath ?? binary)
        let chosenSeed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var command = ["ratify"] + CommandLine.arguments.dropFirst()
        if seed == nil { command += ["--seed", String(chosenSeed)] }
        var options = ChaosOptions(seed: chosenSeed, binary: resolved, command: command.joined(separator: " "))
        options.validators = validators
        options.durationSeconds = duration
        options.ratePerSecond = rate
        options.clients = clients
        options.networkNamespaces = netns
        options.basePort = basePort
        options.resumeBoundSeconds = resumeBound
        options.keepHomes = keepHomes
        if let problem = options.problem { throw StandardError.fail(problem) }

        let interactive = isatty(STDERR_FILENO) == 1
        let runner = ChaosRunner(options: options) { line in
            let text = line.hasPrefix("[") && interactive ? "\r\u{1B}[2K" + line : (interactive ? "\n" : "") + line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        if planOnly {
            let lines = runner.plan.map { String(format: "%7.1f s  %5.1f s  %@", $0.startSeconds, $0.durationSeconds, $0.summary) }
            try output.emit(text: lines.joined(separator: "\n"), json: runner.planJSON)
            return
        }
        let report: ChaosReport
        do {
            report = try await Interruption.cancellingOnSignal { try await runner.run() }.get()
        } catch {
            throw StandardError.fail(error)
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        try output.emit(text: report.text, json: report.json)
        if !report.passed { throw ExitCode.failure }
    }
}
