import RatifyCore

/// The highest source and target epochs a validator has signed checkpoint votes for: all the
/// state its double-vote and surround-vote guard needs (EIP-3076's minimal condition). The
/// node persists it before a signed vote leaves the process.
public struct CheckpointSignerState: Hashable, Sendable, CanonicalCodable {
    public var sourceEpoch: UInt64
    public var targetEpoch: UInt64

    public init(sourceEpoch: UInt64, targetEpoch: UInt64) {
        self.sourceEpoch = sourceEpoch
        self.targetEpoch = targetEpoch
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(sourceEpoch)
        writer.write(targetEpoch)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        sourceEpoch = try reader.readUInt64("ffg_signer.source_epoch")
        targetEpoch = try reader.readUInt64("ffg_signer.target_epoch")
    }
}
