import RatifyCore

/// What the keyring shows about a key: its name, public key, address and whether its file is
/// encrypted. Never the secret.
public struct KeyringEntry: Sendable, Equatable {
    public var name: String
    public var publicKey: PublicKey
    /// False for a plaintext (`test` backend or pre-encryption) file.
    public var encrypted: Bool
    public var address: Address { publicKey.address }

    public init(name: String, publicKey: PublicKey, encrypted: Bool) {
        self.name = name
        self.publicKey = publicKey
        self.encrypted = encrypted
    }

    /// "encrypted", or a warning that anyone who can read the file holds the key.
    public var storage: String { encrypted ? "encrypted" : "PLAINTEXT (test backend: not for real funds)" }

    /// `{"name", "address", "pub_key", "encrypted"}` for `--json`.
    public var json: JSONValue {
        .object([
            JSONValue.Member("name", .string(name)),
            JSONValue.Member("address", .string(address.hex)),
            JSONValue.Member("pub_key", .string(publicKey.hex)),
            JSONValue.Member("encrypted", .bool(encrypted)),
        ])
    }
}
