/// A value with one canonical byte encoding, used for hashing, signing, storage and the wire.
public protocol CanonicalEncodable {
    func encode(to writer: inout ByteWriter)
}

/// A value that can be read back from its canonical encoding, rejecting every other input.
public protocol CanonicalDecodable {
    init(from reader: inout ByteReader) throws(DecodeError)
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical encoding of this value.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension CanonicalDecodable {
    /// Decodes a whole buffer: a value followed by anything at all is rejected.
    public init(canonicalBytes buffer: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = ByteReader(buffer)
        self = try Self(from: &reader)
        try reader.finish("\(Self.self)")
    }

    public init(canonicalBytes bytes: [UInt8]) throws(DecodeError) {
        let result: Result<Self, DecodeError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodeError) -> Self in try Self(canonicalBytes: buffer) }
        }
        self = try result.get()
    }
}
