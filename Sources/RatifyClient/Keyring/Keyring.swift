#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RatifyCore

/// A directory of named account keys for the CLI, one `NAME.json` per key in the same format
/// as a validator's `validator_key.json` (KeyFile), so a validator key can be imported as it is
/// and a keyring file can serve as a validator key. Files are created 0600 with O_EXCL and are
/// never overwritten; the directory is created 0700. Nothing here prints or returns a secret
/// except `exportSeed`, which the caller must confirm explicitly.
public struct Keyring: Sendable {
    public static let nameLengthMax = 64
    /// Keys listed at most: a keyring is a handful of keys; a huge directory is a mistake.
    static let entriesMax = 10_000

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$HOME/.ratify/keyring` (or the user database's home directory when HOME is unset).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.ratify/keyring"
    }

    /// The keyring at `directory`, or the default one.
    public static func at(_ directory: String?) -> Keyring {
        Keyring(directory: directory ?? defaultDirectory())
    }

    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= nameLengthMax, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
    }

    func path(of name: String) -> String { directory + "/" + name + ".json" }

    // MARK: Adding

    /// Generates a fresh key under `name`.
    @discardableResult
    public func add(_ name: String) throws(KeyringError) -> KeyringEntry {
        try store(KeyPair.generate(), as: name)
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
        do {
            try FileIO.createDirectory(directory, mode: 0o700)
            try KeyFile.write(pair, to: file)
        } catch {
            if error.reason.hasPrefix("already exists") { throw .exists(name: name, path: file) }
            throw .unwritable(error)
        }
        return KeyringEntry(name: name, publicKey: pair.publicKey)
    }

    // MARK: Reading

    /// The key pair, for signing. The caller must not print it.
    public func keyPair(_ name: String) throws(KeyringError) -> KeyPair {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        let file = path(of: name)
        guard FileIO.exists(file) else { throw .notFound(name: name, directory: directory) }
        do { return try KeyFile.read(from: file) } catch { throw .unreadable(error) }
    }

    public func show(_ name: String) throws(KeyringError) -> KeyringEntry {
        KeyringEntry(name: name, publicKey: try keyPair(name).publicKey)
    }

    /// The secret seed in hex, only when `confirmed` (the CLI's `--unsafe-show-secret`).
    public func exportSeed(_ name: String, confirmed: Bool) throws(KeyringError) -> String {
        guard confirmed else {
            // Checked after the key is known to exist, so a typo is reported as such.
            _ = try keyPair(name)
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
}
