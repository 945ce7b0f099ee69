/// A key file whose secret seed is sealed with a passphrase (docs/STAKING.md, "Encrypted key
/// files"): the keyring's default form.
///
/// ```json
/// {"format": "ratify-encrypted-key", "version": 1, "address": hex, "pub_key": hex,
///  "kdf": "argon2id", "kdf_ops_limit": 3, "kdf_mem_limit_bytes": 67108864, "kdf_salt": hex16,
///  "cipher": "xchacha20poly1305-ietf", "nonce": hex24, "ciphertext": hex48}
/// ```
/// The key is Argon2id(passphrase, salt, ops, mem); the ciphertext is the 32-byte seed sealed
/// with XChaCha20-Poly1305 under it, with every other field bound in as associated data, so a
/// changed address, public key or cost is caught exactly like a changed ciphertext. The address
/// and public key stay readable without the passphrase, for `keys list` and `--to NAME`.
public struct EncryptedKeyFile: Sendable, Equatable {
    public static let format = "ratify-encrypted-key"
    public static let version: UInt64 = 1
    static let kdfName = "argon2id"
    static let cipherName = "xchacha20poly1305-ietf"
    static let keys = ["format", "version", "address", "pub_key", "kdf", "kdf_ops_limit", "kdf_mem_limit_bytes",
                       "kdf_salt", "cipher", "nonce", "ciphertext"]
    static let seedBytes = 32

    public var publicKey: PublicKey
    public var cost: PasswordHash.Cost
    public var salt: [UInt8]
    public var nonce: [UInt8]
    public var ciphertext: [UInt8]

    /// Seals `pair`'s seed under `passphrase` with a fresh salt and nonce. Nil only when
    /// libsodium cannot allocate Argon2id's memory.
    public static func seal(_ pair: KeyPair, passphrase: String, cost: PasswordHash.Cost = .standard) -> EncryptedKeyFile? {
        let salt = SecureRandom.bytes(count: PasswordHash.saltBytes)
        let nonce = SecureRandom.bytes(count: XChaCha20Poly1305.nonceBytes)
        guard let key = PasswordHash.deriveKey(passphrase: passphrase, salt: salt, cost: cost) else { return nil }
        var file = EncryptedKeyFile(publicKey: pair.publicKey, cost: cost, salt: salt, nonce: nonce, ciphertext: [])
        file.ciphertext = XChaCha20Poly1305.seal(pair.seed, additionalData: file.associatedData, nonce: nonce, key: key)
        return file
    }

    public enum OpenFailure: Error, Equatable, Sendable {
        /// The tag did not verify: a wrong passphrase, or the file was altered.
        case wrongPassphraseOrAltered
        case outOfMemory
    }

    /// The key pair, after checking that the decrypted seed gives the recorded public key.
    public func open(passphrase: String) throws(OpenFailure) -> KeyPair {
        guard let key = PasswordHash.deriveKey(passphrase: passphrase, salt: salt, cost: cost) else { throw .outOfMemory }
        guard let seed = XChaCha20Poly1305.open(ciphertext, additionalData: associatedData, nonce: nonce, key: key),
              let pair = KeyPair(seed: seed), pair.publicKey == publicKey
        else { throw .wrongPassphraseOrAltered }
        return pair
    }

    /// Everything but the ciphertext, in a fixed order: what the tag authenticates.
    var associatedData: [UInt8] {
        let fields = ["ratify/keyring/v\(Self.version)", publicKey.address.hex, publicKey.hex, Self.kdfName,
                      String(cost.opsLimit), String(cost.memLimitBytes), Hex.encode(salt), Self.cipherName, Hex.encode(nonce)]
        return Array(fields.joined(separator: "\n").utf8)
    }

    public var text: String {
        JSONWriter.pretty(.object([
            JSONValue.Member("format", .string(Self.format)),
            JSONValue.Member("version", .number(String(Self.version))),
            JSONValue.Member("address", .string(publicKey.address.hex)),
            JSONValue.Member("pub_key", .string(publicKey.hex)),
            JSONValue.Member("kdf", .string(Self.kdfName)),
            JSONValue.Member("kdf_ops_limit", .number(String(cost.opsLimit))),
            JSONValue.Member("kdf_mem_limit_bytes", .number(String(cost.memLimitBytes))),
            JSONValue.Member("kdf_salt", .string(Hex.encode(salt))),
            JSONValue.Member("cipher", .string(Self.cipherName)),
            JSONValue.Member("nonce", .string(Hex.encode(nonce))),
            JSONValue.Member("ciphertext", .string(Hex.encode(ciphertext))),
        ]))
    }

    /// True when `value` claims to be an encrypted key file (it has a "format" member), so a
    /// reader can tell it from a plaintext KeyFile before decoding either.
    public static func isEncrypted(_ value: JSONValue) -> Bool {
        guard case .object(let members) = value else { return false }
        return members.contains { $0.key == "format" }
    }

    public static func decode(_ field: JSONField) throws(FileFormatError) -> EncryptedKeyFile {
        let reader = try JSONObjectReader(field, keys: keys)
        let format = try reader.required("format")
        guard try format.string() == Self.format else { throw format.failure("expected \"\(Self.format)\"") }
        let version = try reader.required("version")
        guard try version.uint64() == Self.version else {
            throw version.failure("version \(version.value.brief) is not supported; this ratify reads version \(Self.version)")
        }
        let kdf = try reader.required("kdf")
        guard try kdf.string() == kdfName else { throw kdf.failure("expected \"\(kdfName)\"") }
        let cipher = try reader.required("cipher")
        guard try cipher.string() == cipherName else { throw cipher.failure("expected \"\(cipherName)\"") }
        let ops = try reader.required("kdf_ops_limit"), mem = try reader.required("kdf_mem_limit_bytes")
        let cost = PasswordHash.Cost(opsLimit: try ops.uint64(), memLimitBytes: try mem.uint64())
        guard PasswordHash.Cost.opsLimitRange.contains(cost.opsLimit) else {
            throw ops.failure("expected \(PasswordHash.Cost.opsLimitRange.lowerBound)-\(PasswordHash.Cost.opsLimitRange.upperBound)")
        }
        guard PasswordHash.Cost.memLimitBytesRange.contains(cost.memLimitBytes) else {
            throw mem.failure("expected \(PasswordHash.Cost.memLimitBytesRange.lowerBound)-\(PasswordHash.Cost.memLimitBytesRange.upperBound)")
        }
        let pubField = try reader.required("pub_key")
        guard let publicKey = PublicKey(try pubField.hexBytes(count: 32)) else { throw pubField.failure("expected 32 bytes") }
        let addressField = try reader.required("address")
        guard try addressField.hexBytes(count: 20) == publicKey.address.bytes else {
            throw addressField.failure("does not match pub_key (expected \(publicKey.address.hex)); the file was edited or mixed up")
        }
        return EncryptedKeyFile(
            publicKey: publicKey, cost: cost,
            salt: try reader.required("kdf_salt").hexBytes(count: PasswordHash.saltBytes),
            nonce: try reader.required("nonce").hexBytes(count: XChaCha20Poly1305.nonceBytes),
            ciphertext: try reader.required("ciphertext").hexBytes(count: seedBytes + XChaCha20Poly1305.tagBytes))
    }
}
