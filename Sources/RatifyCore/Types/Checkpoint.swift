/// A Casper FFG checkpoint of a hybrid chain: the block at height `epoch × epoch_length` of
/// one branch (epoch 0 is the genesis block). Two checkpoints of the same epoch on different
/// branches differ only in `blockHash`.
public struct Checkpoint: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public var epoch: UInt64
    public var blockHash: Hash

    public init(epoch: UInt64, blockHash: Hash) {
        self.epoch = epoch
        self.blockHash = blockHash
    }

    /// The height of a checkpoint's block, or nil when `epoch × epochLengthBlocks` overflows.
    public static func height(ofEpoch epoch: UInt64, epochLengthBlocks: UInt64) -> Height? {
        let (height, overflow) = epoch.multipliedReportingOverflow(by: epochLengthBlocks)
        return overflow ? nil : height
    }

    public var description: String { "\(epoch)/\(blockHash.short)" }

    public func encode(to writer: inout ByteWriter) {
        writer.write(epoch)
        writer.write(blockHash)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        epoch = try reader.readUInt64("checkpoint.epoch")
        blockHash = try reader.readHash("checkpoint.block_hash")
    }
}
