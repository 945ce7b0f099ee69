import RatifyCore

/// A proof-of-work block as the network carries it: the canonical bytes, length-prefixed and
/// at most `bytesMax`. RatifyNet sits below RatifyPoW, so it moves the bytes and the node
/// decodes and checks them.
public struct PoWBlockBytes: Hashable, Sendable, CanonicalCodable {
    /// One message holds one block: the frame's cap, less the tag and the length prefix.
    public static let bytesMax = NetLimits.messageBytesMax - 8
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func encode(to writer: inout ByteWriter) { writer.writeBytes(bytes) }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        bytes = try reader.readBytes(max: Self.bytesMax, "pow_block.bytes")
    }
}
