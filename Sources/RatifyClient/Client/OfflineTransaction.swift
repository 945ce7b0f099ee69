import RatifyCore

/// The JSON file of offline signing (docs/STAKING.md, "Signing offline"): `tx ... --generate-only`
/// writes it unsigned, `tx sign` adds the signature, `tx broadcast` submits it.
///
/// The bytes are the truth: `sign_bytes` (docs/CODEC.md, "Sign bytes") in an unsigned file and
/// `tx` (the canonical encoding) in a signed one. The other fields spell the same transaction
/// out for the person who checks it before signing, and reading refuses a file whose fields and
/// bytes disagree, so what was read is what gets signed.
public enum OfflineTransaction {
    public static let format = "ratify-tx"
    public static let version: UInt64 = 1
    static let fileBytesMax = 256 * 1024
    static let keys = ["format", "version", "chain_id", "sender", "sender_address", "nonce", "fee", "payload",
                       "sign_bytes", "signature", "hash", "tx"]

    public static func json(_ transaction: Transaction, signed: Bool) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("format", .string(format)),
            .init("version", .number(String(version))),
            .init("chain_id", .string(transaction.chainID)),
            .init("sender", .string(transaction.sender.hex)),
            .init("sender_address", .string(transaction.senderAddress.hex)),
            .init("nonce", .string(String(transaction.nonce))),
            .init("fee", .string(String(transaction.fee))),
            .init("payload", payloadJSON(transaction.payload)),
            .init("sign_bytes", .string(Hex.encode(transaction.signBytes))),
        ]
        if signed {
            members.append(.init("signature", .string(transaction.signature.hex)))
            members.append(.init("hash", .string(transaction.hash.hex)))
            members.append(.init("tx", .string(Hex.encode(transaction.canonicalBytes))))
        }
        return .object(members)
    }

    static func payloadJSON(_ payload: TransactionPayload) -> JSONValue {
        var members: [JSONValue.Member] = [.init("type", .string(payload.kindName))]
        switch payload {
        case .transfer(let to, let amount):
            members += [.init("to", .string(to.hex)), .init("amount", .string(String(amount)))]
        case .stake(let validator, let amount, let name):
            members += [.init("validator", .string(validator.hex)), .init("amount", .string(String(amount))), .init("name", .string(name))]
        case .unstake(let validator, let amount):
            members += [.init("validator", .string(validator.hex)), .init("amount", .string(String(amount)))]
        case .unjail(let validator):
            members += [.init("validator", .string(validator.hex))]
        case .evidence, .ffgEvidence:
            break  // evidence is submitted by nodes, not built by `ratify tx`; its bytes are in sign_bytes
        }
        return .object(members)
    }

    /// Reads a file `tx sign` or `tx broadcast` was given: the transaction and whether it is signed
    /// (a signed file's signature is verified here).
    public static func read(from path: String) throws(FileFormatError) -> (transaction: Transaction, signed: Bool) {
        let root = JSONField(try JSONParser.parse(FileIO.read(path, maxBytes: fileBytesMax), file: path), file: path)
        let reader = try JSONObjectReader(root, keys: keys)
        let formatField = try reader.required("format")
        guard try formatField.string() == format else { throw formatField.failure("expected \"\(format)\" (a file from `ratify tx ... --generate-only`)") }
        let versionField = try reader.required("version")
        guard try versionField.uint64() == version else { throw versionField.failure("expected \(version)") }

        let transaction: Transaction
        let signed: Bool
        if let txField = reader.optional("tx") {
            transaction = try decode(txField, try hexBytes(txField))
            guard transaction.verifySignature() else { throw txField.failure("the signature does not verify for the sender's key") }
            signed = true
        } else {
            let signField = try reader.required("sign_bytes")
            let signBytes = try hexBytes(signField)
            let prefix = signPrefix
            guard signBytes.starts(with: prefix) else { throw signField.failure("does not start with the domain tag ratify/tx/v1") }
            // The canonical encoding is the sign bytes without the tag, then a (zero) signature.
            transaction = try decode(signField, Array(signBytes.dropFirst(prefix.count)) + [UInt8](repeating: 0, count: 64))
            signed = false
        }
        // Every field present must say what the bytes say.
        guard case .object(let expected) = json(transaction, signed: signed) else { return (transaction, signed) }
        for member in expected {
            guard let field = reader.optional(member.key) else {
                throw FileFormatError(file: path, location: member.key, reason: "required field is missing")
            }
            guard field.value == member.value else {
                throw field.failure("does not match the transaction's bytes (expected \(member.value.brief)); the file was edited: generate it again")
            }
        }
        return (transaction, signed)
    }

    static var signPrefix: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        writer.writeString(SignDomain.transaction)
        return writer.bytes
    }

    private static func hexBytes(_ field: JSONField) throws(FileFormatError) -> [UInt8] {
        guard let bytes = Hex.decode(try field.string()) else { throw field.failure("expected hex digits") }
        return bytes
    }

    private static func decode(_ field: JSONField, _ bytes: [UInt8]) throws(FileFormatError) -> Transaction {
        do { return try Transaction(canonicalBytes: bytes) } catch { throw field.failure("not a transaction: \(error)") }
    }
}
