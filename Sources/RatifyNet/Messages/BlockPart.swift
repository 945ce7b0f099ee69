import RatifyCore

/// One slice of a block's canonical encoding. Blocks larger than a frame travel as parts of at
/// most `NetLimits.blockPartBytesMax` bytes; the receiver reassembles them per peer and checks
/// the result against `blockID` before delivering the block.
public struct BlockPart: Hashable, Sendable, CanonicalCodable {
    public var height: Height
    public var blockID: BlockID
    public var index: UInt32
    public var total: UInt32
    public var bytes: [UInt8]

    public init(height: Height, blockID: BlockID, index: UInt32, total: UInt32, bytes: [UInt8]) {
        self.height = height
        self.blockID = blockID
        self.index = index
        self.total = total
        self.bytes = bytes
    }

    /// Splits an encoded block into parts.
    public static func split(_ block: Block) -> [BlockPart] {
        let encoded = block.canonicalBytes
        let id = block.id
        let size = NetLimits.blockPartBytesMax
        let total = Swift.max(1, (encoded.count + size - 1) / size)
        return (0..<total).map { index in
            let start = index * size
            let end = Swift.min(encoded.count, start + size)
            return BlockPart(height: block.height, blockID: id, index: UInt32(index), total: UInt32(total),
                             bytes: Array(encoded[start..<end]))
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(height)
        writer.write(blockID)
        writer.write(index)
        writer.write(total)
        writer.writeBytes(bytes)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readUInt64("block_part.height")
        blockID = try BlockID(from: &reader)
        let indexOffset = reader.offset
        index = try reader.readUInt32("block_part.index")
        total = try reader.readUInt32("block_part.total")
        guard total >= 1, Int(total) <= NetLimits.blockPartsMax, index < total else {
            throw reader.failure(.invalid("part \(index) of \(total) (at most \(NetLimits.blockPartsMax) parts)"),
                                 "block_part.index", at: indexOffset)
        }
        bytes = try reader.readBytes(max: NetLimits.blockPartBytesMax, "block_part.bytes")
        guard !bytes.isEmpty else {
            throw reader.failure(.invalid("empty part"), "block_part.bytes")
        }
    }
}
