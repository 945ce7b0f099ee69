import Foundation
import RatifyClient
import RatifyCore
import RatifyNode

/// Runs the built `ratify` binary as a user would, for the client commands: `keys`, `tx`,
/// `query`. Every call passes the test's keyring and node; keys and tx use the plaintext `test`
/// backend, as a localnet script would (the encrypted backend has tests of its own).
struct RatifyCLI {
    struct Run: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout parsed as JSON (for `--json` runs); `.null` when it is not JSON.
        var json: JSONValue { (try? JSONParser.parse(Array(stdout.utf8), file: "stdout")) ?? .null }
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    let keyring: String
    let node: String

    /// `ratify ARGUMENTS...`, nothing added.
    static func run(_ arguments: [String]) throws -> Run {
        try run(command: [NodeProcess.binary] + arguments)
    }

    /// Any command, such as `ratify` behind `Tools/netns.sh exec client`.
    static func run(command: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.first ?? NodeProcess.binary)
        process.arguments = Array(command.dropFirst())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        // Never the test runner's terminal: a command that would ask refuses instead of hanging.
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Where `runAtTerminal` gets its terminal: util-linux `script` runs a command on a fresh pseudo-terminal.
    static let scriptPath = "/usr/bin/script"

    /// `ratify ARGUMENTS...` on a pseudo-terminal (through `script`) that types `answer` and
    /// Enter, as a person at the keyboard would. The terminal merges stdout and stderr into `stdout`.
    static func runAtTerminal(_ arguments: [String], answer: String) throws -> Run {
        let quoted = ([NodeProcess.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scriptPath)
        process.arguments = ["-qec", quoted.joined(separator: " "), "/dev/null"]
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data((answer + "\n").utf8))
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    func keys(_ arguments: String...) throws -> Run {
        try Self.run(["keys"] + arguments + ["--keyring", keyring, "--keyring-backend", "test"])
    }

    /// `ratify tx ... --yes`, as a script answers the confirmation; `txAsking` leaves it to ask.
    func tx(_ arguments: String...) throws -> Run {
        try Self.run(["tx"] + arguments + ["--yes", "--keyring", keyring, "--keyring-backend", "test", "--node", node])
    }

    func txAsking(_ arguments: String...) throws -> Run {
        try Self.run(["tx"] + arguments + ["--keyring", keyring, "--keyring-backend", "test", "--node", node])
    }

    func query(_ arguments: String...) throws -> Run {
        try Self.run(["query"] + arguments + ["--keyring", keyring, "--node", node])
    }

    /// The node's latest height through `ratify query status --json`, 0 on failure.
    func height() -> UInt64 {
        (try? query("status", "--json").json["sync_info"]?["latest_block_height"]?.uint64Value) ?? 0
    }

    /// The public keys in the set that decides `height`.
    func validatorKeys(at height: UInt64) throws -> [String] {
        let run = try query("validators", "--height", String(height), "--json")
        return (run.json["validators"]?.arrayValue ?? []).compactMap { $0["pub_key"]?.stringValue }
    }

    func balance(_ account: String) throws -> UInt64? {
        try query("account", account, "--json").json["balance"]?.uint64Value
    }

    func nonce(_ account: String) throws -> UInt64? {
        try query("account", account, "--json").json["nonce"]?.uint64Value
    }
}
