import RatifyCore
import RatifyLedger

/// Parses the values `ratify tx` and `ratify query` take, with errors that name the option.
/// The CLI passes its options through as text so that every message is this module's one line
/// (ArgumentParser's own messages for a bad integer come with a usage dump).
public enum ClientArguments {
    /// A token amount: a positive decimal integer that fits in 64 bits.
    public static func amount(_ text: String, option: String = "--amount") throws(ClientError) -> UInt64 {
        let value = try unsigned(text, option: option, what: "a positive integer amount")
        guard value > 0 else { throw .argument(option: option, reason: "amount must be positive, got 0") }
        return value
    }

    /// A non-negative decimal integer (fees, nonces).
    public static func unsigned(_ text: String, option: String, what: String = "a non-negative integer") throws(ClientError) -> UInt64 {
        let shown = JSONWriter.quoted(String(text.prefix(40)))
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .argument(option: option, reason: "expected \(what) (decimal digits only), got \(shown)")
        }
        guard let value = UInt64(text) else {
            throw .argument(option: option, reason: "\(shown) is larger than \(UInt64.max)")
        }
        return value
    }

    /// A block height: a positive integer.
    public static func height(_ text: String, option: String = "--height") throws(ClientError) -> UInt64 {
        let value = try unsigned(text, option: option, what: "a positive height")
        guard value > 0 else { throw .argument(option: option, reason: "heights start at 1, got 0") }
        return value
    }

    /// A validator's consensus public key: 64 hex digits, or the name of a key in `keyring`.
    public static func publicKey(_ text: String, option: String, keyring: Keyring) throws(ClientError) -> PublicKey {
        if let key = PublicKey(hex: text) { return key }
        if let entry = keyring.entry(named: text) { return entry.publicKey }
        throw .argument(option: option, reason: "expected a public key (64 hex digits) or the name of a key in \(keyring.directory), got \(JSONWriter.quoted(String(text.prefix(80))))")
    }

    /// An account address: 40 hex digits, a public key (64 hex digits, whose address is meant),
    /// or the name of a key in `keyring`.
    public static func address(_ text: String, option: String, keyring: Keyring) throws(ClientError) -> Address {
        if let address = Address(hex: text) { return address }
        if let key = PublicKey(hex: text) { return key.address }
        if let entry = keyring.entry(named: text) { return entry.address }
        throw .argument(option: option, reason: "expected an address (40 hex digits), a public key (64 hex digits) or the name of a key in \(keyring.directory), got \(JSONWriter.quoted(String(text.prefix(80))))")
    }

    /// A transaction hash: 64 hex digits.
    public static func hash(_ text: String, option: String = "HASH") throws(ClientError) -> Hash {
        guard let hash = Hash(hex: text) else {
            throw .argument(option: option, reason: "expected a transaction hash (64 hex digits), got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        return hash
    }

    /// A validator name for a first self-stake (docs/LEDGER.md: 1-64 printable characters).
    public static func validatorName(_ text: String, option: String = "--name") throws(ClientError) -> String {
        guard Ledger.isValidName(text) else {
            throw .argument(option: option, reason: "expected 1-\(CodecLimits.nameBytesMax) bytes of printable characters, got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        return text
    }
}
