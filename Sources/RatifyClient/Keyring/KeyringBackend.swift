/// How a keyring writes new keys (`--keyring-backend`, as in the Cosmos SDK).
public enum KeyringBackend: String, Sendable, Equatable, CaseIterable {
    /// Encrypted with a passphrase (Argon2id + XChaCha20-Poly1305): the default.
    case file
    /// Plaintext seeds, for localnets and CI only: anyone who reads the file holds the key.
    case test
}
