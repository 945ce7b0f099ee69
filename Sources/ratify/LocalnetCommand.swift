import ArgumentParser
import Foundation
import RatifyNode

struct LocalnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localnet",
        abstract: "Run a local validator set, one `ratify start` process per home, and show blocks finalizing.",
        discussion: """
            Starts HOMES/node0 ... node{N-1} (made by `ratify testnet`; the repository's
            Validators/ by default), prints a line for every height all of them have finalized
            with its finality latency, and on Ctrl-C (or after --duration) stops them and prints
            a summary. --fresh runs on copies so the homes' data directories stay untouched.
            """)

    @Option(name: .long, help: "How many validators to run (homes node0 ... node{N-1}).")
    var validators = 4
    @Option(name: .long, help: "The genesis every home must share.")
    var genesis = "Genesis/localnet.json"
    @Option(name: .long, help: "The directory holding the validator homes.")
    var homes = "Validators"
    @Flag(name: .long, help: "Run on temporary copies of the homes, starting from the genesis.")
    var fresh = false
    @Option(name: .long, help: "Stop after this many seconds (default: run until Ctrl-C).")
    var duration: Double?

    func validate() throws {
        guard (1...100).contains(validators) else { throw ValidationError("--validators must be between 1 and 100, got \(validators)") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive, got \(duration)") }
    }

    func run() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let resolved = FileManager.default.fileExists(atPath: binary) ? binary : (Bundle.main.executablePath ?? binary)
        let localnet = Localnet(
            options: .init(validators: validators, genesisFile: genesis, homesDirectory: homes, fresh: fresh,
                           durationSeconds: duration, binary: resolved),
            print: { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            })
        // Ctrl-C and SIGTERM stop the validators and print the summary instead of killing us.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let task = Task { try await localnet.run() }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        do {
            let summary = try await task.value
            print(summary)
            if !summary.disagreements.isEmpty { throw ExitCode.failure }
        } catch let error as Localnet.Failure {
            throw StandardError.fail(error)
        }
    }
}
