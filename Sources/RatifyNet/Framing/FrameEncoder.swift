import NIOCore

/// Prefixes each outgoing frame body with its 4-byte big-endian length.
final class FrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ByteBuffer

    func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        precondition(data.readableBytes <= NetLimits.frameBytesMax, "frames are sized below the cap by their sender")
        out.reserveCapacity(FrameDecoder.headerBytes + data.readableBytes)
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
