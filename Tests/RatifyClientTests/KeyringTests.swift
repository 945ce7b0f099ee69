import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyClient

@Suite("keyring")
struct KeyringTests {
    /// The test key of docs/CODEC.md's worked example.
    static let seedHex = String(repeating: "01", count: 32)
    static let publicKeyHex = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("add creates NAME.json with mode 0600 in a 0700 directory, readable back as the same key")
    func addCreatesPrivateFile() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path + "/keyring", backend: .test)
        let entry = try keyring.add("alice").entry
        let file = directory.path + "/keyring/alice.json"
        #expect(try Self.mode(file) == 0o600)
        #expect(try Self.mode(directory.path + "/keyring") == 0o700)
        #expect(try KeyFile.read(from: file).publicKey == entry.publicKey)
        #expect(try keyring.show("alice") == entry)
        #expect(try keyring.keyPair("alice").publicKey == entry.publicKey)
        let other = try keyring.add("bob").entry
        #expect(other.publicKey != entry.publicKey, "every add draws a fresh key")
    }

    @Test("a name is never overwritten: adding or importing it again fails and leaves the file as it was")
    func neverOverwrites() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        let first = try keyring.add("alice").entry
        let before = try String(contentsOfFile: directory.path + "/alice.json", encoding: .utf8)
        #expect(throws: KeyringError.exists(name: "alice", path: directory.path + "/alice.json")) { try keyring.add("alice") }
        #expect(throws: KeyringError.exists(name: "alice", path: directory.path + "/alice.json")) {
            try keyring.importSeed("alice", seedHex: Self.seedHex)
        }
        #expect(try String(contentsOfFile: directory.path + "/alice.json", encoding: .utf8) == before)
        #expect(try keyring.show("alice").publicKey == first.publicKey)
    }

    @Test("names outside 1-64 of A-Z a-z 0-9 . _ - (or starting with a dot) are refused before touching the disk")
    func invalidNames() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path + "/k", backend: .test)
        for name in ["", "../escape", "a/b", ".hidden", "spa ce", "ümlaut", String(repeating: "x", count: 65)] {
            #expect(throws: KeyringError.invalidName(name)) { try keyring.add(name) }
            #expect(throws: KeyringError.invalidName(name)) { try keyring.show(name) }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/k"), "nothing was created")
        #expect(Keyring.isValidName(String(repeating: "x", count: 64)))
        #expect(KeyringError.invalidName("a/b").description
                == "invalid key name \"a/b\": use 1-64 characters of A-Z a-z 0-9 . _ - (not starting with .)")
    }

    @Test("import from a seed and export it again round-trip; export without confirmation refuses and shows no secret")
    func seedRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        let entry = try keyring.importSeed("test", seedHex: "0x" + Self.seedHex.uppercased())
        #expect(entry.publicKey.hex == Self.publicKeyHex)
        #expect(try keyring.exportSeed("test", confirmed: true) == Self.seedHex)
        do {
            _ = try keyring.exportSeed("test", confirmed: false)
            Issue.record("export without --unsafe-show-secret must fail")
        } catch {
            #expect(error == .secretNotConfirmed(name: "test"))
            #expect(error.description.contains("--unsafe-show-secret"))
            #expect(!error.description.contains(Self.seedHex))
        }
        #expect(throws: KeyringError.notFound(name: "nobody", directory: directory.path)) {
            try keyring.exportSeed("nobody", confirmed: false)
        }
        // Nothing the keyring shows carries the secret.
        let shown = JSONWriter.pretty(entry.json) + "\(entry)"
        #expect(!shown.contains(Self.seedHex))
    }

    @Test("import from a validator_key.json file gives the same key; an edited file is refused naming the file")
    func importFile() throws {
        let directory = try TemporaryDirectory()
        let pair = try #require(KeyPair(seed: [UInt8](repeating: 7, count: 32)))
        let file = directory.path + "/validator_key.json"
        try KeyFile.write(pair, to: file)
        let keyring = Keyring(directory: directory.path + "/keyring", backend: .test)
        #expect(try keyring.importKey("val", seedHex: nil, file: file).publicKey == pair.publicKey)

        let edited = try directory.write("edited.json", KeyFile.text(for: pair).replacingOccurrences(of: pair.publicKey.hex, with: Self.publicKeyHex))
        do {
            try keyring.importFile("edited", from: edited)
            Issue.record("an edited key file must be refused")
        } catch {
            #expect(error.description.hasPrefix(edited))
            #expect(error.description.contains("does not match priv_key"))
        }
        #expect(throws: KeyringError.self) { try keyring.importFile("missing", from: directory.path + "/nope.json") }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/keyring/edited.json"))
    }

    @Test("bad seeds and a missing or doubled import source get their one-line errors")
    func badImports() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        #expect(throws: KeyringError.badSeed("expected 64 hex digits (a 32-byte Ed25519 seed), got 62")) {
            try keyring.importSeed("a", seedHex: String(Self.seedHex.dropLast(2)))
        }
        #expect(throws: KeyringError.self) { try keyring.importSeed("a", seedHex: "not hex at all") }
        #expect(throws: KeyringError.importNeedsOneSource) { try keyring.importKey("a", seedHex: nil, file: nil) }
        #expect(throws: KeyringError.importNeedsOneSource) { try keyring.importKey("a", seedHex: Self.seedHex, file: "x.json") }
        #expect(try keyring.list().isEmpty, "nothing was stored")
    }

    @Test("list is sorted by name and shows an unreadable file as a problem without hiding the others")
    func list() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        #expect(try Keyring(directory: directory.path + "/absent", backend: .test).list().isEmpty)
        try keyring.add("zed")
        try keyring.importSeed("amy", seedHex: Self.seedHex)
        _ = try directory.write("broken.json", "{}")
        _ = try directory.write("notes.txt", "not a key")
        let entries = try keyring.list()
        #expect(entries.count == 3)
        #expect((try? entries[0].get().name) == "amy")
        #expect((try? entries[2].get().name) == "zed")
        guard case .failure(let problem) = entries[1] else { Issue.record("broken.json must be listed as unreadable"); return }
        #expect(problem.description.contains("broken.json"))
    }

    @Test("the default keyring is ~/.ratify/keyring")
    func defaultDirectory() {
        #expect(Keyring.defaultDirectory(environment: ["HOME": "/home/val"]) == "/home/val/.ratify/keyring")
    }
}
