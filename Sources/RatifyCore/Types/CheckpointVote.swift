/// A validator's Casper FFG vote on a hybrid chain: the link `source → target` between two
/// checkpoints, where `source` is the latest checkpoint the validator saw justified and
/// `target` a later checkpoint of the branch it follows (Buterin and Griffith, "Casper the
/// Friendly Finality Gadget", 2017, section 2; EIP-1011).
///
/// The signature covers `signBytes(chainID:)`: the domain tag `ratify/ffg-vote/v1`, the chain
/// id, source and target. The validator is the key that verifies it; `validatorAddress` names
/// that key in the staking ledger. A vote's source epoch is always below its target epoch:
/// the decoder rejects any other.
public struct CheckpointVote: Hashable, Sendable, CanonicalCodable {
    public var validatorAddress: Address
    public var source: Checkpoint
    public var target: Checkpoint
    public var signature: Signature

    /// Encoded size: address 20, two checkpoints of 40, signature 64.
    public static let encodedBytes = 20 + 40 + 40 + 64

    public init(validatorAddress: Address, source: Checkpoint, target: Checkpoint, signature: Signature = .zero) {
        self.validatorAddress = validatorAddress
        self.source = source
        self.target = target
        self.signature = signature
    }

    /// Builds and signs a vote with the validator's key pair.
    public static func signed(chainID: String, key: KeyPair, source: Checkpoint, target: Checkpoint) -> CheckpointVote {
        var vote = CheckpointVote(validatorAddress: key.publicKey.address, source: source, target: target)
        vote.signature = key.sign(vote.signBytes(chainID: chainID))
        return vote
    }

    /// Source strictly before target: the only links the FFG rules give meaning to.
    public var isWellFormed: Bool { source.epoch < target.epoch }

    /// The canonical bytes a validator signs for this vote.
    public func signBytes(chainID: String) -> [UInt8] {
        CheckpointVote.signBytes(chainID: chainID, source: source, target: target)
    }

    public static func signBytes(chainID: String, source: Checkpoint, target: Checkpoint) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + SignDomain.ffgVote.utf8.count + 4 + chainID.utf8.count + 80)
        writer.writeString(SignDomain.ffgVote)
        writer.writeString(chainID)
        writer.write(source)
        writer.write(target)
        return writer.bytes
    }

    /// Whether `key` signed this vote on `chainID`.
    public func verifySignature(chainID: String, key: PublicKey) -> Bool {
        key.address == validatorAddress && key.verify(signature, message: signBytes(chainID: chainID))
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(validatorAddress)
        writer.write(source)
        writer.write(target)
        writer.write(signature)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        validatorAddress = try reader.readAddress("ffg_vote.validator_address")
        source = try Checkpoint(from: &reader)
        target = try Checkpoint(from: &reader)
        signature = try reader.readSignature("ffg_vote.signature")
        guard isWellFormed else {
            throw reader.failure(.invalid("source epoch \(source.epoch) is not below target epoch \(target.epoch)"),
                                 "ffg_vote", at: start)
        }
    }
}
