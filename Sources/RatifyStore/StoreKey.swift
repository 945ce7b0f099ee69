/// Key layouts. Integers are fixed-width big-endian so that LMDB's byte-wise key order is
/// numeric order: height 256 sorts after height 255, and cursor scans run by height.
enum StoreKey {
    /// 8 bytes: the height, big-endian.
    static func height(_ height: UInt64) -> [UInt8] {
        withUnsafeBytes(of: height.bigEndian) { Array($0) }
    }

    static func decodeHeight(_ key: [UInt8]) -> UInt64? {
        guard key.count == 8 else { return nil }
        return readBigEndian(key, at: 0)
    }

    /// 16 bytes: height then sequence number, both big-endian (consensus WAL).
    static func walRecord(height: UInt64, sequence: UInt64) -> [UInt8] {
        var key = StoreKey.height(height)
        withUnsafeBytes(of: sequence.bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    static func decodeWALRecord(_ key: [UInt8]) -> (height: UInt64, sequence: UInt64)? {
        guard key.count == 16 else { return nil }
        return (readBigEndian(key, at: 0), readBigEndian(key, at: 8))
    }

    /// The caller has checked that `bytes` holds 8 bytes at `offset`.
    private static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + 8)] {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
