#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RatifyCore

/// A directory of named account keys for the CLI, one `NAME.json` per key. The `file` backend
/// (the default) writes each key as an EncryptedKeyFile sealed with a passphrase; the `test`
/// backend writes today's plaintext KeyFile (the format of a validator's `validator_key.json`),
/// for localnets and CI only. Both forms are read whatever the backend, so plaintext keyrings
/// from before encryption keep working until `migrate` seals them. Files are created 0600 with
/// O_EXCL and are never overwritten; the directory is created 0700. Nothing here prints or
/// returns a secret except `exportSeed`, which the caller must confirm explicitly.
public struct Keyring: Sendable {
    public static let nameLengthMax = 64
    /// Keys listed at most: a keyring is a handful of keys; a huge directory is a mistake.
    static let entriesMax = 10_000

    public let directory: String
    /// How new keys are written.
    public let backend: KeyringBackend
    public let passphrase: PassphraseSource

    public init(directory: String, backend: KeyringBackend, passphrase: PassphraseSource = .environmentOrTerminal) {
        self.directory = directory
        self.backend = backend
        self.passphrase = passphrase
    }

    /// `$HOME/.ratify/keyring` (or the user database's home directory when HOME is unset).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.ratify/keyring"
    }

    /// The keyring at `directory`, or the default one.
    public static func at(_ directory: String?, backend: KeyringBackend) -> Keyring {
        Keyring(directory: directory ?? defaultDirectory(), backend: backend)
    }

    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= nameLengthMax, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
    }

    func path(of name: String) -> String { directory + "/" + name + ".json" }

    // MARK: Adding

    /// Generates a fresh key under `name` from a new 24-word recovery phrase, returned once
    /// for the user to write down (docs/STAKING.md, "Recovery phrases").
    @discardableResult
    public func add(_ name: String) throws(KeyringError) -> (entry: KeyringEntry, mnemonic: [String]) {
        let words = Mnemonic.generate()
        return (try store(Mnemonic.keyPair(validWords: words), as: name), words)
    }

    /// `keys add --recover`: the key a recovery phrase stands for.
    @discardableResult
    public func recover(_ name: String, mnemonic: String) throws(KeyringError) -> KeyringEntry {
        let pair: KeyPair
        do { pair = try Mnemonic.keyPair(phrase: mnemonic) } catch { throw .badMnemonic(error) }
        return try store(pair, as: name)
    }

    /// `keys import`: from exactly one of a seed in hex and a key file.
    @discardableResult
    public func importKey(_ name: String, seedHex: String?, file: String?) throws(KeyringError) -> KeyringEntry {
        switch (seedHex, file) {
        case (let seedHex?, nil): try importSeed(name, seedHex: seedHex)
        case (nil, let file?): try importFile(name, from: file)
        default: throw .importNeedsOneSource
        }
    }

    /// Imports a key from its 32-byte seed in hex (64 digits, optional 0x).
    @discardableResult
    public func importSeed(_ name: String, seedHex: String) throws(KeyringError) -> KeyringEntry {
        let trimmed = seedHex.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = Hex.decode(trimmed) else {
            throw .badSeed("expected 64 hex digits (a 32-byte Ed25519 seed), got \(trimmed.count) characters that are not all hex")
        }
        guard seed.count == 32 else {
            throw .badSeed("expected 64 hex digits (a 32-byte Ed25519 seed), got \(seed.count * 2)")
        }
        guard let pair = KeyPair(seed: seed) else { throw .badSeed("not a usable Ed25519 seed") }
        return try store(pair, as: name)
    }

    /// Imports a key file such as a node's `config/validator_key.json`.
    @discardableResult
    public func importFile(_ name: String, from file: String) throws(KeyringError) -> KeyringEntry {
        let pair: KeyPair
        do { pair = try KeyFile.read(from: file) } catch { throw .unreadable(error) }
        return try store(pair, as: name)
    }

    private func store(_ pair: KeyPair, as name: String) throws(KeyringError) -> KeyringEntry {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        let file = path(of: name)
        if FileIO.exists(file) { throw .exists(name: name, path: file) }
        let text: String
        switch backend {
        case .test: text = KeyFile.text(for: pair)
        case .file: text = try sealed(pair, passphrase: passphrase.new(for: "key \"\(name)\""), path: file).text
        }
        do {
            try FileIO.createDirectory(directory, mode: 0o700)
            try FileIO.write(file, Array(text.utf8), mode: 0o600, exclusive: true)
        } catch {
            if error.reason.hasPrefix("already exists") { throw .exists(name: name, path: file) }
            throw .unwritable(error)
        }
        return KeyringEntry(name: name, publicKey: pair.publicKey, encrypted: backend == .file)
    }

    private func sealed(_ pair: KeyPair, passphrase: String, path: String) throws(KeyringError) -> EncryptedKeyFile {
        guard let sealed = EncryptedKeyFile.seal(pair, passphrase: passphrase) else { throw .outOfMemory(path: path) }
        return sealed
    }

    // MARK: Reading

    /// The key pair, for signing; an encrypted key asks for its passphrase. The caller must
    /// not print it.
    public func keyPair(_ name: String) throws(KeyringError) -> KeyPair {
        let file = path(of: name)
        switch try stored(name) {
        case .plaintext(let pair):
            return pair
        case .encrypted(let sealed):
            let secret = try passphrase.existing(for: name, path: file)
            do throws(EncryptedKeyFile.OpenFailure) {
                return try sealed.open(passphrase: secret)
            } catch .wrongPassphraseOrAltered {
                throw .cannotDecrypt(name: name, path: file)
            } catch {
                throw .outOfMemory(path: file)
            }
        }
    }

    /// What the file of `name` holds, without asking for a passphrase.
    func stored(_ name: String) throws(KeyringError) -> StoredKey {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        let file = path(of: name)
        guard FileIO.exists(file) else { throw .notFound(name: name, directory: directory) }
        do { return try StoredKey.read(from: file) } catch { throw .unreadable(error) }
    }

    /// Name, address and public key; an encrypted key's are readable without its passphrase.
    public func show(_ name: String) throws(KeyringError) -> KeyringEntry {
        let stored = try stored(name)
        return KeyringEntry(name: name, publicKey: stored.publicKey, encrypted: stored.isEncrypted)
    }

    /// The secret seed in hex, only when `confirmed` (the CLI's `--unsafe-show-secret`).
    public func exportSeed(_ name: String, confirmed: Bool) throws(KeyringError) -> String {
        guard confirmed else {
            // Checked after the key is known to exist, so a typo is reported as such.
            _ = try stored(name)
            throw .secretNotConfirmed(name: name)
        }
        return Hex.encode(try keyPair(name).seed)
    }

    /// Every key, by name; a file that cannot be read is listed with its problem instead of
    /// hiding the others. A keyring directory that does not exist yet is empty.
    public func list() throws(KeyringError) -> [Result<KeyringEntry, KeyringError>] {
        guard FileIO.exists(directory) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unwritable(FileSystemError(path: directory, operation: "cannot list", reason: error.localizedDescription))
        }
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }
            .filter(Self.isValidName).sorted().prefix(Self.entriesMax)
            .map { name in
                do throws(KeyringError) { return .success(try show(name)) } catch { return .failure(error) }
            }
    }

    /// The name of the key whose address or public key this is, if the keyring holds it.
    public func entry(named name: String) -> KeyringEntry? {
        guard Self.isValidName(name) else { return nil }
        return try? show(name)
    }

    // MARK: Changing

    /// `keys delete`: removes the key's file. The caller has confirmed; the key is gone unless
    /// its recovery phrase or a copy of the file exists.
    @discardableResult
    public func delete(_ name: String) throws(KeyringError) -> KeyringEntry {
        let entry = try show(name)
        let file = path(of: name)
        guard unlink(file) == 0 else { throw .unwritable(Self.systemError(file, "cannot delete")) }
        return entry
    }

    /// `keys rename`: link to the new name (which fails rather than replace an existing key),
    /// then unlink the old one. An encrypted file does not bind its name, so it is not reopened.
    @discardableResult
    public func rename(_ old: String, to new: String) throws(KeyringError) -> KeyringEntry {
        var entry = try show(old)
        guard Self.isValidName(new) else { throw .invalidName(new) }
        let source = path(of: old), target = path(of: new)
        guard link(source, target) == 0 else {
            if errno == EEXIST { throw .exists(name: new, path: target) }
            throw .unwritable(Self.systemError(target, "cannot create"))
        }
        guard unlink(source) == 0 else { throw .unwritable(Self.systemError(source, "cannot delete")) }
        entry.name = new
        return entry
    }

    /// `keys migrate`: seals every plaintext key with one new passphrase. Each key is written to
    /// a temporary file, read back and opened before it atomically replaces the plaintext file,
    /// so a failure at any point leaves every key usable. Returns the keys it encrypted.
    public func migrate() throws(KeyringError) -> [KeyringEntry] {
        guard backend == .file else { throw .migrateNeedsFileBackend }
        let plaintext = try list().compactMap { try? $0.get() }.filter { !$0.encrypted }
        guard !plaintext.isEmpty else { return [] }
        let secret = try passphrase.new(for: "\(plaintext.count) plaintext key(s)")
        var migrated: [KeyringEntry] = []
        for entry in plaintext {
            let file = path(of: entry.name), temporary = directory + "/." + entry.name + ".json.migrating"
            let pair = try keyPair(entry.name)
            let sealedKey = try sealed(pair, passphrase: secret, path: file)
            do {
                try FileIO.write(temporary, Array(sealedKey.text.utf8), mode: 0o600, exclusive: true)
            } catch {
                throw .unwritable(error)
            }
            // Read back what was written before it replaces the only copy of the key.
            guard case .encrypted(let copy)? = try? StoredKey.read(from: temporary),
                  (try? copy.open(passphrase: secret))?.publicKey == pair.publicKey
            else {
                unlink(temporary)
                throw .cannotDecrypt(name: entry.name, path: temporary)
            }
            guard Glibc.rename(temporary, file) == 0 else {
                let failure = Self.systemError(file, "cannot replace")
                unlink(temporary)
                throw .unwritable(failure)
            }
            migrated.append(KeyringEntry(name: entry.name, publicKey: pair.publicKey, encrypted: true))
        }
        return migrated
    }

    private static func systemError(_ path: String, _ operation: String) -> FileSystemError {
        FileSystemError(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}
