import Foundation
import RatifyClient
import RatifyCore
import Testing

/// `ratify keys` with the encrypted (default) backend, run as a script would: the passphrase
/// in RATIFY_KEYRING_PASSPHRASE or nowhere, stdin a pipe (never a terminal).
@Suite("key custody CLI")
struct KeyCustodyCLITests {
    static let passphrase = "integration passphrase"

    /// `ratify keys ARGUMENTS --keyring KEYRING` with `stdin` on a pipe and the passphrase
    /// variable set to `passphrase` (unset when nil).
    static func keys(_ arguments: [String], keyring: String, passphrase: String? = passphrase, stdin: String = "") throws -> RatifyCLI.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = ["keys"] + arguments + ["--keyring", keyring]
        var environment = ProcessInfo.processInfo.environment
        environment[PassphraseSource.environmentVariable] = passphrase
        process.environment = environment
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RatifyCLI.Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("keys add encrypts by default and prints the phrase once; --recover restores the same address; no passphrase or a wrong one is one line")
    func addRecoverAndPassphrases() throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path + "/keyring"
        let added = try Self.keys(["add", "alice", "--json"], keyring: keyring)
        #expect(added.status == 0, "\(added)")
        let phrase = try #require(added.json["mnemonic"]?.stringValue)
        #expect(phrase.split(separator: " ").count == 24)
        #expect(added.json["encrypted"] == .bool(true))
        let address = try #require(added.json["address"]?.stringValue)
        #expect(!(try String(contentsOfFile: keyring + "/alice.json", encoding: .utf8)).contains("priv_key"))
        let shown = try Self.keys(["show", "alice"], keyring: keyring, passphrase: nil)
        #expect(shown.status == 0 && shown.stdout.contains("storage: encrypted"), "\(shown)")
        #expect(!shown.stdout.contains(phrase), "the phrase is printed once, by add")

        let recovered = try Self.keys(["add", "restored", "--recover", "--keyring-backend", "test", "--json"], keyring: keyring,
                                      stdin: phrase + "\n")
        #expect(recovered.status == 0, "\(recovered)")
        #expect(recovered.json["address"]?.stringValue == address)
        #expect(recovered.json["mnemonic"] == nil)

        let noPassphrase = try Self.keys(["export", "alice", "--unsafe-show-secret"], keyring: keyring, passphrase: nil)
        #expect(noPassphrase.status == 1)
        #expect(noPassphrase.stderr == "key \"alice\" (\(keyring)/alice.json) is encrypted: set RATIFY_KEYRING_PASSPHRASE or run in a terminal to type the passphrase (or use --keyring-backend test for unencrypted localnet keys)\n")
        let wrong = try Self.keys(["export", "alice", "--unsafe-show-secret"], keyring: keyring, passphrase: "not the passphrase")
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "cannot decrypt key \"alice\" (\(keyring)/alice.json): wrong passphrase, or the file was altered; nothing was changed\n")
        let right = try Self.keys(["export", "alice", "--unsafe-show-secret"], keyring: keyring)
        let restoredSeed = try Self.keys(["export", "restored", "--unsafe-show-secret"], keyring: keyring, passphrase: nil)
        #expect(right.status == 0 && right.stdout == restoredSeed.stdout, "\(right) \(restoredSeed)")
    }

    @Test("keys migrate encrypts a plaintext keyring; delete refuses without a terminal unless --yes; rename keeps the key")
    func migrateDeleteRename() throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path + "/keyring"
        let plain = try Self.keys(["add", "bob", "--keyring-backend", "test", "--json"], keyring: keyring, passphrase: nil)
        #expect(plain.status == 0 && plain.json["encrypted"] == .bool(false), "\(plain)")
        #expect(try Self.keys(["list"], keyring: keyring).stdout.contains("PLAINTEXT"))
        let migrated = try Self.keys(["migrate"], keyring: keyring)
        #expect(migrated.status == 0, "\(migrated)")
        #expect(migrated.stdout.hasPrefix("encrypted key \"bob\""))
        #expect(try Self.keys(["show", "bob", "--json"], keyring: keyring).json["encrypted"] == .bool(true))

        let renamed = try Self.keys(["rename", "bob", "robert"], keyring: keyring)
        #expect(renamed.status == 0, "\(renamed)")
        #expect(try Self.keys(["show", "robert", "--json"], keyring: keyring).json["address"] == plain.json["address"])

        let refused = try Self.keys(["delete", "robert"], keyring: keyring, stdin: "y\n")
        #expect(refused.status == 1)
        #expect(refused.stderr == "keys delete robert: stdin is not a terminal to confirm on; pass --yes to delete without asking\n")
        #expect(FileManager.default.fileExists(atPath: keyring + "/robert.json"))
        let deleted = try Self.keys(["delete", "robert", "--yes"], keyring: keyring)
        #expect(deleted.status == 0, "\(deleted)")
        #expect(!FileManager.default.fileExists(atPath: keyring + "/robert.json"))
    }
}
