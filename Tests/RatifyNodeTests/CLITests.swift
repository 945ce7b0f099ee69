import Foundation
import Testing

/// Runs the built `ratify` binary, as a user would.
@Suite("ratify CLI")
struct CLITests {
    /// `swift test` builds every product into the directory that holds the test bundle.
    static var binary: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("ratify").path
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test("genesis validate on a bad file prints the one-line error on stderr and exits 1")
    func validateBad() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "no ratify binary at \(Self.binary)")
        let directory = try TemporaryDirectory()
        let file = try directory.write("genesis.json", #"{"chain_id": "c", "genesis_time": "2026-01-01T00:00:00Z", "validators": []}"#)
        let result = try run(["genesis", "validate", file])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "\(file): validators: mode \"pos\" needs at least one validator; add one or use mode \"pow\"\n")
    }

    @Test("testnet writes homes that genesis validate accepts")
    func testnetThenValidate() throws {
        let directory = try TemporaryDirectory()
        let made = try run(["testnet", "--validators", "2", "--output", directory.path + "/net", "--base-port", "30000"])
        #expect(made.status == 0, "\(made.stderr)")
        let checked = try run(["genesis", "validate", directory.path + "/net/node1/config/genesis.json"])
        #expect(checked.status == 0)
        #expect(checked.stdout.hasPrefix("chain_id=ratify-localnet mode=pos validators=2 total_stake=200000000 genesis_hash="))
        let again = try run(["testnet", "--validators", "2", "--output", directory.path + "/net"])
        #expect(again.status == 1)
        #expect(again.stderr == "\(directory.path)/net/node0: cannot create: already exists; choose an empty --output directory or remove it\n")
    }
}
