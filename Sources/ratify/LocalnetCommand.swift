import ArgumentParser
import Foundation
import RatifyNode
import RatifyOps

struct LocalnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localnet",
        abstract: "Run a local validator set, one `ratify start` process per home, and show blocks finalizing.",
        discussion: """
            Starts HOMES/node0 ... node{N-1} (made by `ratify testnet`; the repository's
            Validators/ by default), prints a line for every height all of them have finalized
            with its finality latency, and on Ctrl-C (or after --duration) stops them and prints
            a summary. --fresh runs on copies so the homes' data directories stay untouched.
            With a `pow` genesis it runs a proof-of-work localnet (docs/POW.md): one line per
            tip every node has reached, with the final height (k confirmations), and a line per
            reorganization; homes made for another genesis run on copies with it written in.
            """)

    @Option(name: .long, help: "How many validators to run (homes node0 ... node{N-1}).")
    var validators = 4
    @Option(name: .long, help: "The genesis every home must share (default: HOMES/genesis.json when it exists, else Genesis/localnet.json).")
    var genesis: String?
    @Option(name: .long, help: "The directory holding the validator homes.")
    var homes = "Validators"
    @Flag(name: .long, help: "Run on temporary copies of the homes, starting from the genesis.")
    var fresh = false
    @Option(name: .long, help: "Stop after this many seconds (default: run until Ctrl-C).")
    var duration: Double?
    @Flag(name: .customLong("remote-signer"), help: "On copies of the homes, move each validator key into a signer home and sign through `ratify signer start` processes.")
    var remoteSigner = false

    func validate() throws {
        guard (1...100).contains(validators) else { throw ValidationError("--validators must be between 1 and 100, got \(validators)") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive, got \(duration)") }
    }

    /// `ratify testnet --output DIR` writes DIR/genesis.json beside the homes.
    var genesisFile: String {
        if let genesis { return genesis }
        let beside = homes + "/genesis.json"
        return FileManager.default.fileExists(atPath: beside) ? beside : "Genesis/localnet.json"
    }

    func run() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let resolved = FileManager.default.fileExists(atPath: binary) ? binary : (Bundle.main.executablePath ?? binary)
        // Moving the keys to signers rewrites the homes: only ever on copies.
        var options = Localnet.Options(validators: validators, genesisFile: genesisFile, homesDirectory: homes, fresh: fresh || remoteSigner,
                                       durationSeconds: duration, binary: resolved)
        options.remoteSigners = remoteSigner
        let localnet = Localnet(
            options: options,
            print: { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            })
        // Ctrl-C and SIGTERM stop the validators and print the summary instead of killing us.
        // Installed only once the validators run: an ignored signal is inherited across exec,
        // and the validators must keep handling SIGTERM themselves.
        let signals = SignalSources()
        let task = Task { try await localnet.run(onLaunched: { signals.install([SIGINT, SIGTERM]) }) }
        signals.setHandler { task.cancel() }
        defer { signals.cancel() }
        do {
            let summary = try await task.value
            print(summary)
            if !summary.disagreements.isEmpty { throw ExitCode.failure }
        } catch let error as Localnet.Failure {
            throw StandardError.fail(error)
        }
    }
}

/// Dispatch sources that turn SIGINT/SIGTERM into a call, replacing the default action.
/// Dispatch sources are not Sendable; this box only touches them under its lock.
final class SignalSources: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var handler: (@Sendable () -> Void)?

    func setHandler(_ handler: @escaping @Sendable () -> Void) {
        lock.withLock { self.handler = handler }
    }

    func install(_ numbers: [Int32]) {
        lock.withLock {
            for number in numbers {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [weak self] in self?.fire() }
                source.resume()
                sources.append(source)
            }
        }
    }

    private func fire() {
        lock.withLock { handler }?()
    }

    func cancel() {
        lock.withLock { sources.forEach { $0.cancel() } }
    }
}
