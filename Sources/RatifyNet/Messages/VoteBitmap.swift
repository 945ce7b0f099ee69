import RatifyCore

/// Which validators' votes of one (height, round, type) a peer has: bit i is validator index i.
/// At most `NetLimits.voteBitmapBitsMax` bits; bits past `count` are always zero on the wire so
/// each bitmap has one encoding.
public struct VoteBitmap: Hashable, Sendable, CanonicalCodable {
    public private(set) var count: Int
    private var words: [UInt64]

    public init(count: Int) {
        let clamped = Swift.min(Swift.max(count, 0), NetLimits.voteBitmapBitsMax)
        self.count = clamped
        self.words = [UInt64](repeating: 0, count: (clamped + 63) / 64)
    }

    public static let empty = VoteBitmap(count: 0)

    public func contains(_ index: Int) -> Bool {
        guard index >= 0, index < count else { return false }
        return words[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
    }

    /// Sets bit `index`, growing the bitmap up to the cap; an index past the cap is ignored.
    public mutating func insert(_ index: Int) {
        guard index >= 0, index < NetLimits.voteBitmapBitsMax else { return }
        if index >= count {
            count = index + 1
            let needed = (count + 63) / 64
            if words.count < needed { words.append(contentsOf: repeatElement(0, count: needed - words.count)) }
        }
        words[index >> 6] |= UInt64(1) << UInt64(index & 63)
    }

    public mutating func formUnion(_ other: VoteBitmap) {
        if other.count > count {
            count = other.count
            let needed = (count + 63) / 64
            if words.count < needed { words.append(contentsOf: repeatElement(0, count: needed - words.count)) }
        }
        for index in other.words.indices { words[index] |= other.words[index] }
    }

    public var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(count))
        let byteCount = (count + 7) / 8
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in 0..<byteCount {
            bytes[index] = UInt8(truncatingIfNeeded: words[index >> 3] >> UInt64((index & 7) * 8))
        }
        writer.writeRaw(bytes)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let bits = try reader.readCount(max: NetLimits.voteBitmapBitsMax, "vote_bitmap.count")
        var bitmap = VoteBitmap(count: bits)
        let byteCount = (bits + 7) / 8
        for index in 0..<byteCount {
            let start = reader.offset
            let byte = try reader.readUInt8("vote_bitmap.bits")
            if index == byteCount - 1, bits % 8 != 0, byte >> UInt8(bits % 8) != 0 {
                throw reader.failure(.invalid("bits set past the bitmap's count"), "vote_bitmap.bits", at: start)
            }
            bitmap.words[index >> 3] |= UInt64(byte) << UInt64((index & 7) * 8)
        }
        self = bitmap
    }
}
