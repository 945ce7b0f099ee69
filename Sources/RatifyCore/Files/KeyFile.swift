
/// A key file like CometBFT's priv_validator_key.json / node_key.json:
/// `{"address": hex, "pub_key": hex, "priv_key": hex seed}`. The address and public key are
/// derivable from the seed; they are written for humans and checked on read, so a hand-edited
/// or mixed-up file is caught before the node signs anything.
public enum KeyFile {
    static let keys = ["address", "pub_key", "priv_key"]
    public static let fileBytesMax = 64 * 1024

    /// The file's text for `pair` (the secret seed included: handle as a secret).
    public static func text(for pair: KeyPair) -> String {
        JSONWriter.pretty(.object([
            JSONValue.Member("address", .string(pair.publicKey.address.hex)),
            JSONValue.Member("pub_key", .string(pair.publicKey.hex)),
            JSONValue.Member("priv_key", .string(Hex.encode(pair.seed))),
        ]))
    }

    /// Creates the file with mode 0600 at creation (open(2) with O_EXCL, never chmod after);
    /// an existing file is never overwritten.
    public static func write(_ pair: KeyPair, to path: String) throws(FileSystemError) {
        try FileIO.write(path, Array(text(for: pair).utf8), mode: 0o600, exclusive: true)
    }

    public static func read(from path: String) throws(FileFormatError) -> KeyPair {
        try decode(FileIO.read(path, maxBytes: fileBytesMax), file: path)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws(FileFormatError) -> KeyPair {
        let reader = try JSONObjectReader(JSONField(try JSONParser.parse(bytes, file: file), file: file), keys: keys)
        let privField = try reader.required("priv_key")
        guard let pair = KeyPair(seed: try privField.hexBytes(count: 32)) else {
            throw privField.failure("not a usable Ed25519 seed")
        }
        if let field = reader.optional("pub_key"), try field.hexBytes(count: 32) != pair.publicKey.bytes {
            throw field.failure("does not match priv_key (expected \(pair.publicKey.hex)); the file was edited or mixed up")
        }
        if let field = reader.optional("address"), try field.hexBytes(count: 20) != pair.publicKey.address.bytes {
            throw field.failure("does not match priv_key (expected \(pair.publicKey.address.hex)); the file was edited or mixed up")
        }
        return pair
    }
}
