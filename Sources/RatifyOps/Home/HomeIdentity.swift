import RatifyCore
import RatifyNode

/// `ratify show node-id` and `ratify show validator` (CometBFT's `show-node-id` and
/// `show-validator`): who a home is, read from its key files. Secrets are never printed.
public enum HomeIdentity {
    /// The p2p identity: what peers write before `@host:port`.
    public static func nodeID(home: NodeHome) throws(FileFormatError) -> Address {
        try home.loadNodeKey().publicKey.address
    }

    /// The consensus key: what signs votes and what staking names.
    public static func validatorKey(home: NodeHome) throws(FileFormatError) -> PublicKey {
        try home.loadValidatorKey().publicKey
    }

    public static func nodeIDJSON(_ id: Address) -> JSONValue {
        .object([JSONValue.Member("id", .string(id.hex))])
    }

    /// Named as `/status`'s `validator_info`.
    public static func validatorJSON(_ key: PublicKey) -> JSONValue {
        .object([JSONValue.Member("address", .string(key.address.hex)), JSONValue.Member("pub_key", .string(key.hex))])
    }

    public static func validatorText(_ key: PublicKey) -> String {
        TextTable.keyValue([("address", key.address.hex), ("pub_key", key.hex)])
    }
}
