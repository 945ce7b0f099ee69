import RatifyCore

/// Why a keyring operation failed, as one line naming the key, the file and what to do.
public enum KeyringError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName(String)
    case notFound(name: String, directory: String)
    case exists(name: String, path: String)
    /// `keys export` without `--unsafe-show-secret`.
    case secretNotConfirmed(name: String)
    case badSeed(String)
    /// `keys import` needs exactly one of `--seed-hex` and `--from-file`.
    case importNeedsOneSource
    case unreadable(FileFormatError)
    case unwritable(FileSystemError)
    /// An encrypted key, or a new key for the file backend, and no way to get a passphrase.
    case passphraseUnavailable(purpose: String)
    /// A new passphrase too short, or typed differently twice.
    case passphraseRejected(String)
    /// The tag did not verify: the passphrase is wrong or the file was altered.
    case cannotDecrypt(name: String, path: String)
    /// libsodium could not allocate Argon2id's memory.
    case outOfMemory(path: String)
    case badMnemonic(Mnemonic.Problem)
    /// `keys migrate` with `--keyring-backend test`.
    case migrateNeedsFileBackend

    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid key name \(JSONWriter.quoted(String(name.prefix(80)))): use 1-\(Keyring.nameLengthMax) characters of A-Z a-z 0-9 . _ - (not starting with .)"
        case .notFound(let name, let directory):
            "no key named \"\(name)\" in keyring \(directory); see `ratify keys list --keyring \(directory)` or add it with `ratify keys add \(name)`"
        case .exists(let name, let path):
            "a key named \"\(name)\" already exists (\(path)); choose another name or remove that file"
        case .secretNotConfirmed(let name):
            "keys export prints the secret seed of \"\(name)\", which controls its funds: pass --unsafe-show-secret if you mean it"
        case .badSeed(let reason):
            "--seed-hex: \(reason)"
        case .importNeedsOneSource:
            "keys import needs exactly one of --seed-hex HEX and --from-file FILE (such as a node's config/validator_key.json)"
        case .unreadable(let error):
            error.description
        case .unwritable(let error):
            error.description
        case .passphraseUnavailable(let purpose):
            "\(purpose): set \(PassphraseSource.environmentVariable) or run in a terminal to type the passphrase (or use --keyring-backend test for unencrypted localnet keys)"
        case .passphraseRejected(let reason):
            "passphrase: \(reason)"
        case .cannotDecrypt(let name, let path):
            "cannot decrypt key \"\(name)\" (\(path)): wrong passphrase, or the file was altered; nothing was changed"
        case .outOfMemory(let path):
            "\(path): not enough memory for the key's Argon2id cost"
        case .badMnemonic(let problem):
            "recovery phrase: \(problem)"
        case .migrateNeedsFileBackend:
            "keys migrate encrypts plaintext keys: run it with the file backend (the default), not --keyring-backend test"
        }
    }
}
