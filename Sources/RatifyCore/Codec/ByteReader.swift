/// Reads the canonical encoding from contiguous bytes. Every read checks the remaining length
/// and every length or count is checked against a maximum before anything is allocated; a
/// failure is a `DecodeError` naming the field, never a trap.
///
/// A reader borrows the bytes it reads: create it inside `withUnsafeBytes` (or use
/// `CanonicalDecodable.init(canonicalBytes:)`) and do not let it escape.
public struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        self.offset = 0
    }

    public var remaining: Int { buffer.count - offset }

    /// Checks that `count` more bytes are left; a negative count is refused rather than
    /// trusted, so no caller can form a backwards range from it.
    @inline(__always)
    func require(_ count: Int, _ field: StaticString) throws(DecodeError) {
        if count < 0 {
            throw DecodeError(.invalid("negative length \(count)"), field: "\(field)", offset: offset)
        }
        if count > buffer.count - offset {
            throw DecodeError(.truncated(needed: count - (buffer.count - offset)), field: "\(field)", offset: offset)
        }
    }

    mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ field: StaticString) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, field)
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(bigEndian: value)
    }

    public mutating func readUInt8(_ field: StaticString) throws(DecodeError) -> UInt8 {
        try require(1, field)
        let value = buffer[offset]
        offset += 1
        return value
    }

    public mutating func readUInt16(_ field: StaticString) throws(DecodeError) -> UInt16 { try readBigEndian(UInt16.self, field) }
    public mutating func readUInt32(_ field: StaticString) throws(DecodeError) -> UInt32 { try readBigEndian(UInt32.self, field) }
    public mutating func readUInt64(_ field: StaticString) throws(DecodeError) -> UInt64 { try readBigEndian(UInt64.self, field) }
    public mutating func readInt64(_ field: StaticString) throws(DecodeError) -> Int64 {
        Int64(bitPattern: try readBigEndian(UInt64.self, field))
    }

    /// A boolean is exactly 0 or 1; any other byte is rejected so each value has one encoding.
    public mutating func readBool(_ field: StaticString) throws(DecodeError) -> Bool {
        let start = offset
        switch try readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw DecodeError(.invalid("boolean byte \(other) is neither 0 nor 1"), field: "\(field)", offset: start)
        }
    }

    public mutating func readBytes20(_ field: StaticString) throws(DecodeError) -> Bytes20 {
        try require(Bytes20.count, field)
        let value = Bytes20(unchecked: UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        offset += Bytes20.count
        return value
    }

    public mutating func readBytes32(_ field: StaticString) throws(DecodeError) -> Bytes32 {
        try require(Bytes32.count, field)
        let value = Bytes32(unchecked: UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        offset += Bytes32.count
        return value
    }

    public mutating func readBytes64(_ field: StaticString) throws(DecodeError) -> Bytes64 {
        try require(Bytes64.count, field)
        let value = Bytes64(unchecked: UnsafeRawBufferPointer(rebasing: buffer[offset...]))
        offset += Bytes64.count
        return value
    }

    public mutating func readHash(_ field: StaticString) throws(DecodeError) -> Hash { Hash(raw: try readBytes32(field)) }
    public mutating func readAddress(_ field: StaticString) throws(DecodeError) -> Address { Address(raw: try readBytes20(field)) }
    public mutating func readPublicKey(_ field: StaticString) throws(DecodeError) -> PublicKey { PublicKey(raw: try readBytes32(field)) }
    public mutating func readSignature(_ field: StaticString) throws(DecodeError) -> Signature { Signature(raw: try readBytes64(field)) }

    /// Reads a 4-byte length or count and checks it against `max` and against what is left.
    public mutating func readCount(max: Int, _ field: StaticString) throws(DecodeError) -> Int {
        let start = offset
        let count = Int(try readUInt32(field))
        if count > max {
            throw DecodeError(.countTooLarge(count: count, max: max), field: "\(field)", offset: start)
        }
        return count
    }

    /// A length-prefixed byte string of at most `max` bytes.
    public mutating func readBytes(max: Int, _ field: StaticString) throws(DecodeError) -> [UInt8] {
        let start = offset
        let length = Int(try readUInt32(field))
        if length > max {
            throw DecodeError(.lengthTooLarge(length: length, max: max), field: "\(field)", offset: start)
        }
        try require(length, field)
        let value = Array(UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)]))
        offset += length
        return value
    }

    /// Exactly `count` bytes with no length prefix (a fixed-size field such as an 80-byte
    /// proof-of-work header).
    public mutating func readRaw(count: Int, _ field: StaticString) throws(DecodeError) -> [UInt8] {
        try require(count, field)
        let value = Array(UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)]))
        offset += count
        return value
    }

    /// A length-prefixed UTF-8 string of at most `max` bytes; invalid UTF-8 is rejected.
    public mutating func readString(max: Int, _ field: StaticString) throws(DecodeError) -> String {
        let start = offset
        let bytes = try readBytes(max: max, field)
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw DecodeError(.invalid("not valid UTF-8"), field: "\(field)", offset: start)
        }
        return value
    }

    public mutating func read<T: CanonicalDecodable>(_: T.Type) throws(DecodeError) -> T {
        try T(from: &self)
    }

    public mutating func readOptional<T: CanonicalDecodable>(_: T.Type, _ field: StaticString) throws(DecodeError) -> T? {
        try readBool(field) ? try T(from: &self) : nil
    }

    /// A count-prefixed list of at most `max` items. The count is also checked against the
    /// bytes left (each item takes at least `minimumItemBytes`) before reserving capacity.
    public mutating func readList<T: CanonicalDecodable>(
        _: T.Type, max: Int, minimumItemBytes: Int = 1, _ field: StaticString
    ) throws(DecodeError) -> [T] {
        let count = try readCount(max: max, field)
        let (bytesMin, overflow) = count.multipliedReportingOverflow(by: Swift.max(minimumItemBytes, 0))
        try require(overflow ? Int.max : bytesMin, field)
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try T(from: &self)) }
        return items
    }

    /// Marks a value complete: any byte left over is an error, so each value has exactly one encoding.
    public func finish(_ field: String) throws(DecodeError) {
        if remaining != 0 {
            throw DecodeError(.trailingBytes(count: remaining), field: field, offset: offset)
        }
    }

    /// SHA-256 of the bytes read from `start` up to here.
    func sha256(from start: Int) -> Hash {
        Hash.sha256(UnsafeRawBufferPointer(rebasing: buffer[start..<offset]))
    }

    public func failure(_ kind: DecodeError.Kind, _ field: StaticString, at offset: Int? = nil) -> DecodeError {
        DecodeError(kind, field: "\(field)", offset: offset ?? self.offset)
    }
}
