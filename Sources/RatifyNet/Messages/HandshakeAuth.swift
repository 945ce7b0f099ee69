import RatifyCore

/// The second frame, the first one sealed: the sender's Ed25519 signature over the transcript
/// (`HandshakeTranscript`), proving it holds the node key it announced and saw the same hellos.
public struct HandshakeAuth: Hashable, Sendable, CanonicalCodable {
    public var signature: Signature

    public init(signature: Signature) { self.signature = signature }

    public func encode(to writer: inout ByteWriter) { writer.write(signature) }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        signature = try reader.readSignature("auth.signature")
    }
}
