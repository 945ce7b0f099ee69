/// Appends the canonical encoding: integers fixed-width big-endian, byte strings and lists
/// prefixed by a 4-byte big-endian length or count, optionals by a 0/1 presence byte.
/// Big-endian keeps the byte order of encoded integers equal to their numeric order, which
/// the store relies on for its keys.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) { appendBigEndian(value) }
    public mutating func write(_ value: UInt32) { appendBigEndian(value) }
    public mutating func write(_ value: UInt64) { appendBigEndian(value) }
    /// Two's complement, big-endian.
    public mutating func write(_ value: Int64) { appendBigEndian(UInt64(bitPattern: value)) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Bytes20) { value.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    public mutating func write(_ value: Bytes32) { value.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    public mutating func write(_ value: Bytes64) { value.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    public mutating func write(_ value: Hash) { write(value.raw) }
    public mutating func write(_ value: Address) { write(value.raw) }
    public mutating func write(_ value: PublicKey) { write(value.raw) }
    public mutating func write(_ value: Signature) { write(value.raw) }

    /// A length-prefixed byte string. The caller keeps it within the field's maximum.
    public mutating func writeBytes(_ value: some Collection<UInt8>) {
        write(UInt32(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    /// A length-prefixed UTF-8 string.
    public mutating func writeString(_ value: String) {
        writeBytes(value.utf8)
    }

    /// Raw bytes with no prefix (a nested encoding, or a domain tag written by its caller).
    public mutating func writeRaw(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }

    public mutating func write<T: CanonicalEncodable>(_ value: T) {
        value.encode(to: &self)
    }

    public mutating func write<T: CanonicalEncodable>(_ value: T?) {
        if let value {
            write(true)
            value.encode(to: &self)
        } else {
            write(false)
        }
    }

    /// A count-prefixed list.
    public mutating func writeList<T: CanonicalEncodable>(_ values: [T]) {
        write(UInt32(truncatingIfNeeded: values.count))
        for value in values { value.encode(to: &self) }
    }
}
