import RatifyCore

/// The last signature this validator made: where, over what (the SHA-256 of the sign bytes)
/// and the signature itself, so that the same request can be answered without signing again;
/// for a vote, the signed vote too, so that a validator restarted with a WAL that lost it
/// (cut short, or restored from a backup) sends the very vote it signed instead of none.
///
/// Stored as: version (1 byte, = 2), height (8, big-endian), round (4), step (1),
/// sign-bytes hash (32), signature (64), then the vote as an optional (1 byte flag, then the
/// vote's canonical bytes). Version 1 (written before votes were kept) is the same without
/// the vote, and still read.
public struct SignerState: Sendable, Equatable, CanonicalCodable {
    public static let encodingVersion: UInt8 = 2
    static let encodingVersionWithoutVote: UInt8 = 1

    public let position: SignPosition
    public let signBytesHash: Hash
    public let signature: Signature
    /// The signed vote, when the last signature was a vote's (nil for a proposal, and in a
    /// state written by version 1).
    public let vote: Vote?

    public init(position: SignPosition, signBytesHash: Hash, signature: Signature, vote: Vote? = nil) {
        self.position = position
        self.signBytesHash = signBytesHash
        self.signature = signature
        self.vote = vote
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(Self.encodingVersion)
        writer.write(position.height)
        writer.write(position.round)
        writer.write(position.step.rawValue)
        writer.write(signBytesHash)
        writer.write(signature)
        writer.write(vote)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let versionOffset = reader.offset
        let version = try reader.readUInt8("SignerState.version")
        guard version == Self.encodingVersion || version == Self.encodingVersionWithoutVote else {
            throw DecodeError(.unknownTag(UInt64(version)), field: "SignerState.version", offset: versionOffset)
        }
        let height = try reader.readUInt64("SignerState.height")
        let round = try reader.readUInt32("SignerState.round")
        let stepOffset = reader.offset
        let stepRaw = try reader.readUInt8("SignerState.step")
        guard let step = SignStep(rawValue: stepRaw) else {
            throw DecodeError(.unknownTag(UInt64(stepRaw)), field: "SignerState.step", offset: stepOffset)
        }
        self.position = SignPosition(height: height, round: round, step: step)
        self.signBytesHash = try reader.readHash("SignerState.signBytesHash")
        self.signature = try reader.readSignature("SignerState.signature")
        self.vote = version == Self.encodingVersion ? try reader.readOptional(Vote.self, "SignerState.vote") : nil
    }
}
