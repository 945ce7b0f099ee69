import NIOCore

/// Splits the TCP byte stream into frames: a 4-byte big-endian length, then that many bytes.
/// A length above the current cap fails the channel before any of the body is buffered.
final class FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    static let headerBytes = 4
    let limit: FrameSizeLimit

    init(limit: FrameSizeLimit) { self.limit = limit }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        let bodyBytes = Int(length)
        guard bodyBytes <= limit.bytes else {
            throw PeerError.frameTooLarge(length: bodyBytes, max: limit.bytes)
        }
        guard buffer.readableBytes >= Self.headerBytes + bodyBytes else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.headerBytes)
        guard let body = buffer.readSlice(length: bodyBytes) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(body))
        return .continue
    }

    /// A partial frame at end of stream is dropped; whoever waits for it sees the close.
    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}
