import RatifyCore
import RatifyStore

/// The signer state as a portable JSON file (`ratify signer export` / `import`), as EIP-3076's
/// slashing-protection interchange is for Ethereum validators. docs/SIGNER.md, "Interchange
/// file", documents every field:
///
///     {
///       "interchange_format": "ratify-signer-state/1",
///       "chain_id": "...",
///       "validator_public_key": "<64 hex>",
///       "last_signed": {"height": "12", "round": 0, "step": "precommit",
///                       "sign_bytes_sha256": "<64 hex>", "signature": "<128 hex>"} or null,
///       "checkpoint": {"source_epoch": "3", "target_epoch": "4"} or null
///     }
///
/// Heights and epochs are decimal strings (u64 does not fit a JSON double); the signature is
/// the one made there, so that the same sign bytes still get the same signature after import.
public struct SignerInterchange: Sendable, Equatable {
    public static let format = "ratify-signer-state/1"
    static let fileBytesMax = 64 * 1024

    public struct Checkpoint: Sendable, Equatable {
        public var sourceEpoch: UInt64
        public var targetEpoch: UInt64

        public init(sourceEpoch: UInt64, targetEpoch: UInt64) {
            self.sourceEpoch = sourceEpoch
            self.targetEpoch = targetEpoch
        }
    }

    public var chainID: String
    public var validatorPublicKey: PublicKey
    /// The double-sign guard's last position (without the signed vote itself).
    public var lastSigned: SignerState?
    public var checkpoint: Checkpoint?

    public init(chainID: String, validatorPublicKey: PublicKey, lastSigned: SignerState?, checkpoint: Checkpoint?) {
        self.chainID = chainID
        self.validatorPublicKey = validatorPublicKey
        self.lastSigned = lastSigned.map { SignerState(position: $0.position, signBytesHash: $0.signBytesHash, signature: $0.signature) }
        self.checkpoint = checkpoint
    }

    public var jsonText: String {
        let lastSigned: JSONValue = self.lastSigned.map { state in
            .object([
                JSONValue.Member("height", .string(String(state.position.height))),
                JSONValue.Member("round", .number(String(state.position.round))),
                JSONValue.Member("step", .string(state.position.step.description)),
                JSONValue.Member("sign_bytes_sha256", .string(state.signBytesHash.hex)),
                JSONValue.Member("signature", .string(state.signature.hex)),
            ])
        } ?? .null
        let checkpoint: JSONValue = self.checkpoint.map { epochs in
            .object([
                JSONValue.Member("source_epoch", .string(String(epochs.sourceEpoch))),
                JSONValue.Member("target_epoch", .string(String(epochs.targetEpoch))),
            ])
        } ?? .null
        return JSONWriter.pretty(.object([
            JSONValue.Member("interchange_format", .string(Self.format)),
            JSONValue.Member("chain_id", .string(chainID)),
            JSONValue.Member("validator_public_key", .string(validatorPublicKey.hex)),
            JSONValue.Member("last_signed", lastSigned),
            JSONValue.Member("checkpoint", checkpoint),
        ]))
    }

    /// Parses a file; every problem is one line naming the field.
    public init(json bytes: [UInt8], file: String) throws(FileFormatError) {
        guard bytes.count <= Self.fileBytesMax else {
            throw FileFormatError(file: file, location: "", reason: "larger than \(Self.fileBytesMax) bytes; not a signer state file")
        }
        let root = try JSONObjectReader(JSONField(try JSONParser.parse(bytes, file: file), file: file),
                                        keys: ["interchange_format", "chain_id", "validator_public_key", "last_signed", "checkpoint"])
        let formatField = try root.required("interchange_format")
        guard try formatField.string() == Self.format else {
            throw formatField.failure("expected \"\(Self.format)\"")
        }
        chainID = try root.required("chain_id").string()
        let keyField = try root.required("validator_public_key")
        validatorPublicKey = PublicKey(raw: Bytes32(try keyField.hexBytes(count: 32)) ?? .zero)
        lastSigned = nil
        if let field = root.optional("last_signed"), field.value != .null {
            let object = try field.object(keys: ["height", "round", "step", "sign_bytes_sha256", "signature"])
            let height = try Self.decimal(try object.required("height"))
            let round = try object.required("round").uint32()
            let stepField = try object.required("step")
            let stepName = try stepField.string()
            guard let step = [SignStep.proposal, .prevote, .precommit].first(where: { $0.description == stepName }) else {
                throw stepField.failure("expected proposal, prevote or precommit, got \"\(stepName)\"")
            }
            let hash = Hash(raw: Bytes32(try object.required("sign_bytes_sha256").hexBytes(count: 32)) ?? .zero)
            let signature = Signature(raw: Bytes64(try object.required("signature").hexBytes(count: 64)) ?? .zero)
            lastSigned = SignerState(position: SignPosition(height: height, round: round, step: step), signBytesHash: hash, signature: signature)
        }
        checkpoint = nil
        if let field = root.optional("checkpoint"), field.value != .null {
            let object = try field.object(keys: ["source_epoch", "target_epoch"])
            checkpoint = Checkpoint(sourceEpoch: try Self.decimal(try object.required("source_epoch")),
                                    targetEpoch: try Self.decimal(try object.required("target_epoch")))
        }
    }

    /// A u64 written as a decimal string.
    private static func decimal(_ field: JSONField) throws(FileFormatError) -> UInt64 {
        let text = try field.string()
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), let value = UInt64(text) else {
            throw field.failure("expected a decimal string such as \"12\", got \"\(text)\"")
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
