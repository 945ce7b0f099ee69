import RatifyCore

/// What the keyring shows about a key: its name, public key and address. Never the secret.
public struct KeyringEntry: Sendable, Equatable {
    public var name: String
    public var publicKey: PublicKey
    public var address: Address { publicKey.address }

    public init(name: String, publicKey: PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// `{"name", "address", "pub_key"}` for `--json`.
    public var json: JSONValue {
        .object([
            JSONValue.Member("name", .string(name)),
            JSONValue.Member("address", .string(address.hex)),
            JSONValue.Member("pub_key", .string(publicKey.hex)),
        ])
    }
}
