import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
@testable import RatifyClient

@Suite("encrypted keyring, recovery phrases, delete and rename")
struct EncryptedKeyringTests {
    static let passphrase = "a passphrase for tests"
    static let seedHex = String(repeating: "01", count: 32)

    static func encrypted(_ directory: String, passphrase: String = passphrase) -> Keyring {
        Keyring(directory: directory, backend: .file, passphrase: .given(passphrase))
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test("an encrypted key signs exactly as the same key in plaintext; its file holds no seed and shows without a passphrase")
    func encryptedSignsAsPlaintext() throws {
        let directory = try TemporaryDirectory()
        let sealed = Self.encrypted(directory.path + "/file")
        let plain = Keyring(directory: directory.path + "/test", backend: .test)
        let entry = try sealed.importSeed("alice", seedHex: Self.seedHex)
        try plain.importSeed("alice", seedHex: Self.seedHex)
        #expect(entry.encrypted)
        let file = try Self.text(directory.path + "/file/alice.json")
        #expect(file.contains("\"format\": \"ratify-encrypted-key\""))
        #expect(!file.contains(Self.seedHex))
        let message = Array("ratify/tx/v1 worked example".utf8)
        #expect(try sealed.keyPair("alice").sign(message) == plain.keyPair("alice").sign(message))
        // Show needs no passphrase: a keyring with the wrong one still shows the key.
        #expect(try Self.encrypted(directory.path + "/file", passphrase: "wrong").show("alice") == entry)
        #expect(try plain.show("alice").encrypted == false)
    }

    @Test("a wrong passphrase, a tampered file and a truncated file are refused in one line, and the file is left as it was")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let keyring = Self.encrypted(directory.path)
        try keyring.add("alice")
        let path = directory.path + "/alice.json"
        let original = try Self.text(path)

        let wrong = Self.encrypted(directory.path, passphrase: "not the passphrase")
        #expect(throws: KeyringError.cannotDecrypt(name: "alice", path: path)) { try wrong.keyPair("alice") }
        #expect(KeyringError.cannotDecrypt(name: "alice", path: path).description
                == "cannot decrypt key \"alice\" (\(path)): wrong passphrase, or the file was altered; nothing was changed")
        #expect(try Self.text(path) == original)

        let ciphertext = try #require(original.components(separatedBy: "\"ciphertext\": \"").last?.prefix(96))
        let flipped = (ciphertext.first == "0" ? "1" : "0") + ciphertext.dropFirst()
        try original.replacingOccurrences(of: String(ciphertext), with: flipped).write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: KeyringError.cannotDecrypt(name: "alice", path: path)) { try keyring.keyPair("alice") }

        try String(original.prefix(original.count / 2)).write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try keyring.keyPair("alice")
            Issue.record("a truncated file must be refused")
        } catch {
            #expect(error.description.hasPrefix(path + ": "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a new passphrase under 8 characters is refused and nothing is written")
    func shortPassphrase() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: KeyringError.passphraseRejected("use at least 8 characters; nothing was written")) {
            try Self.encrypted(directory.path, passphrase: "short").add("alice")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/alice.json"))
    }

    @Test("a recovery phrase restores the same key in another keyring; a mistyped phrase is refused")
    func recovery() throws {
        let directory = try TemporaryDirectory()
        let (entry, words) = try Self.encrypted(directory.path + "/a").add("alice")
        #expect(words.count == 24)
        let restored = try Keyring(directory: directory.path + "/b", backend: .test).recover("alice", mnemonic: words.joined(separator: " "))
        #expect(restored.publicKey == entry.publicKey)
        var mistyped = words
        mistyped.swapAt(0, 1)
        if mistyped != words {
            #expect(throws: KeyringError.self) { try Keyring(directory: directory.path + "/c", backend: .test).recover("x", mnemonic: mistyped.joined(separator: " ")) }
        }
        #expect(throws: KeyringError.badMnemonic(.wordCount(1))) { try Keyring(directory: directory.path + "/c", backend: .test).recover("x", mnemonic: "abandon") }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/c"))
    }

    @Test("migrate encrypts every plaintext key in place with the same public keys and leaves no temporary files")
    func migrate() throws {
        let directory = try TemporaryDirectory()
        let plain = Keyring(directory: directory.path, backend: .test)
        let alice = try plain.importSeed("alice", seedHex: Self.seedHex)
        let bob = try plain.add("bob").entry
        #expect(throws: KeyringError.migrateNeedsFileBackend) { try plain.migrate() }
        let keyring = Self.encrypted(directory.path)
        let migrated = try keyring.migrate()
        #expect(migrated.map(\.name) == ["alice", "bob"])
        #expect(try keyring.list().map { try $0.get() } == [
            KeyringEntry(name: "alice", publicKey: alice.publicKey, encrypted: true),
            KeyringEntry(name: "bob", publicKey: bob.publicKey, encrypted: true),
        ])
        #expect(try keyring.exportSeed("alice", confirmed: true) == Self.seedHex)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["alice.json", "bob.json"])
        #expect(try keyring.migrate().isEmpty, "nothing left to encrypt")
    }

    @Test("rename never replaces an existing key; delete removes only the named key")
    func renameAndDelete() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        let alice = try keyring.importSeed("alice", seedHex: Self.seedHex)
        let bob = try keyring.add("bob").entry
        #expect(throws: KeyringError.exists(name: "bob", path: directory.path + "/bob.json")) { try keyring.rename("alice", to: "bob") }
        #expect(try keyring.show("alice") == alice)
        #expect(try keyring.show("bob") == bob)
        #expect(throws: KeyringError.invalidName("../x")) { try keyring.rename("alice", to: "../x") }
        #expect(try keyring.rename("alice", to: "carol").publicKey == alice.publicKey)
        #expect(throws: KeyringError.notFound(name: "alice", directory: directory.path)) { try keyring.show("alice") }
        #expect(try keyring.show("carol").publicKey == alice.publicKey)
        try keyring.delete("carol")
        #expect(throws: KeyringError.notFound(name: "carol", directory: directory.path)) { try keyring.delete("carol") }
        #expect(try keyring.list().map { try $0.get().name } == ["bob"])
    }
}
