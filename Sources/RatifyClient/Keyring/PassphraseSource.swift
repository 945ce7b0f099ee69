import Foundation

/// Where a `file` keyring gets the passphrase that seals and opens its keys.
public enum PassphraseSource: Sendable, Equatable {
    /// `RATIFY_KEYRING_PASSPHRASE` when set (scripts, CI), else a prompt without echo when
    /// standard input is a terminal, else an error that says how to provide one.
    case environmentOrTerminal
    /// A passphrase the caller already has (tests, and programs that embed the keyring).
    case given(String)

    public static let environmentVariable = "RATIFY_KEYRING_PASSPHRASE"
    /// Shortest passphrase accepted for sealing a key (the Cosmos SDK's keyring asks for 8).
    public static let newPassphraseCharactersMin = 8

    /// The passphrase to open an existing key `name`.
    func existing(for name: String, path: String) throws(KeyringError) -> String {
        switch self {
        case .given(let passphrase):
            return passphrase
        case .environmentOrTerminal:
            if let passphrase = Self.fromEnvironment() { return passphrase }
            guard let typed = Terminal.readSecret(prompt: "Passphrase for key \"\(name)\": ") else {
                throw .passphraseUnavailable(purpose: "key \"\(name)\" (\(path)) is encrypted")
            }
            return typed
        }
    }

    /// A passphrase to seal new keys with: typed twice on a terminal, at least 8 characters.
    func new(for what: String) throws(KeyringError) -> String {
        let passphrase: String
        switch self {
        case .given(let given):
            passphrase = given
        case .environmentOrTerminal:
            if let fromEnvironment = Self.fromEnvironment() {
                passphrase = fromEnvironment
            } else {
                guard let first = Terminal.readSecret(prompt: "Passphrase to encrypt \(what): ") else {
                    throw .passphraseUnavailable(purpose: "the file keyring encrypts \(what)")
                }
                guard let second = Terminal.readSecret(prompt: "Repeat the passphrase: "), second == first else {
                    throw .passphraseRejected("the two passphrases differ; nothing was written")
                }
                passphrase = first
            }
        }
        guard passphrase.count >= Self.newPassphraseCharactersMin else {
            throw .passphraseRejected("use at least \(Self.newPassphraseCharactersMin) characters; nothing was written")
        }
        return passphrase
    }

    private static func fromEnvironment() -> String? {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty else { return nil }
        return value
    }
}
