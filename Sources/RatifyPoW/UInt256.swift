/// An unsigned 256-bit integer: targets, hashes read as numbers, and chain work.
///
/// Four 64-bit limbs, least significant first, stored inline. Arithmetic here is what proof of
/// work needs and no more (Bitcoin's `arith_uint256` has the same scope): comparison, shifts,
/// addition, subtraction, multiplication by a word, and division. Every operation that can
/// overflow reports it instead of trapping, because targets come from headers and files.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Least significant limb first.
    public var limb0: UInt64, limb1: UInt64, limb2: UInt64, limb3: UInt64

    public static let zero = UInt256(limb0: 0, limb1: 0, limb2: 0, limb3: 0)
    public static let one = UInt256(limb0: 1, limb1: 0, limb2: 0, limb3: 0)
    public static let max = UInt256(limb0: .max, limb1: .max, limb2: .max, limb3: .max)

    public init(limb0: UInt64, limb1: UInt64, limb2: UInt64, limb3: UInt64) {
        self.limb0 = limb0; self.limb1 = limb1; self.limb2 = limb2; self.limb3 = limb3
    }

    public init(_ value: UInt64) { self.init(limb0: value, limb1: 0, limb2: 0, limb3: 0) }

    /// Reads 32 bytes as a little-endian number, the way Bitcoin reads a hash (`UintToArith256`).
    public init(littleEndianBytes bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "callers pass exactly 32 bytes")
        self.init(limb0: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  limb1: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  limb2: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  limb3: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Parses up to 64 hex digits, most significant first (an optional `0x` prefix); nil on
    /// anything else.
    public init?(hex text: some StringProtocol) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.utf8.count <= 64 else { return nil }
        var value = UInt256.zero
        for character in digits {
            guard let nibble = character.hexDigitValue else { return nil }
            value = value.shiftedLeft(by: 4)
            value.limb0 |= UInt64(nibble)
        }
        self = value
    }

    /// The 32 bytes of the number, little-endian (Bitcoin's internal hash order).
    public var littleEndianBytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        for (index, limb) in [limb0, limb1, limb2, limb3].enumerated() {
            for byte in 0..<8 { bytes[index * 8 + byte] = UInt8(truncatingIfNeeded: limb >> (8 * UInt64(byte))) }
        }
        return bytes
    }

    /// 64 lower-case hex digits, most significant first.
    public var hex: String {
        [limb3, limb2, limb1, limb0].map { limb in
            let digits = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    public var description: String { hex }

    public var isZero: Bool { (limb0 | limb1 | limb2 | limb3) == 0 }

    /// The number of significant bits (0 for zero), Bitcoin's `bits()`.
    public var bitWidth: Int {
        if limb3 != 0 { return 256 - limb3.leadingZeroBitCount }
        if limb2 != 0 { return 192 - limb2.leadingZeroBitCount }
        if limb1 != 0 { return 128 - limb1.leadingZeroBitCount }
        return 64 - limb0.leadingZeroBitCount
    }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        (lhs.limb3, lhs.limb2, lhs.limb1, lhs.limb0) < (rhs.limb3, rhs.limb2, rhs.limb1, rhs.limb0)
    }

    // MARK: - Shifts (any distance; bits shifted past either end are gone)

    /// Limb `index`, zero outside 0...3, so shifts can read past either end. No allocation
    /// anywhere in this type's arithmetic: headers are checked with it.
    @inline(__always)
    private func limb(_ index: Int) -> UInt64 {
        switch index {
        case 0: limb0
        case 1: limb1
        case 2: limb2
        case 3: limb3
        default: 0
        }
    }

    public func shiftedLeft(by distance: Int) -> UInt256 {
        guard distance > 0 else { return distance == 0 ? self : shiftedRight(by: distance == .min ? .max : -distance) }
        guard distance < 256 else { return .zero }
        let whole = distance / 64, part = UInt64(distance % 64)
        func result(_ index: Int) -> UInt64 {
            let source = index - whole
            guard source >= 0 else { return 0 }
            return part == 0 ? limb(source) : limb(source) << part | limb(source - 1) >> (64 - part)
        }
        return UInt256(limb0: result(0), limb1: result(1), limb2: result(2), limb3: result(3))
    }

    public func shiftedRight(by distance: Int) -> UInt256 {
        guard distance > 0 else { return distance == 0 ? self : shiftedLeft(by: distance == .min ? .max : -distance) }
        guard distance < 256 else { return .zero }
        let whole = distance / 64, part = UInt64(distance % 64)
        func result(_ index: Int) -> UInt64 {
            let source = index + whole
            return part == 0 ? limb(source) : limb(source) >> part | limb(source + 1) << (64 - part)
        }
        return UInt256(limb0: result(0), limb1: result(1), limb2: result(2), limb3: result(3))
    }

    // MARK: - Arithmetic

    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, c0) = limb0.addingReportingOverflow(other.limb0)
        var (s1, c1) = limb1.addingReportingOverflow(other.limb1)
        var (s2, c2) = limb2.addingReportingOverflow(other.limb2)
        var (s3, c3) = limb3.addingReportingOverflow(other.limb3)
        if c0 { let (s, c) = s1.addingReportingOverflow(1); s1 = s; c1 = c1 || c }
        if c1 { let (s, c) = s2.addingReportingOverflow(1); s2 = s; c2 = c2 || c }
        if c2 { let (s, c) = s3.addingReportingOverflow(1); s3 = s; c3 = c3 || c }
        return (UInt256(limb0: s0, limb1: s1, limb2: s2, limb3: s3), c3)
    }

    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (d0, b0) = limb0.subtractingReportingOverflow(other.limb0)
        var (d1, b1) = limb1.subtractingReportingOverflow(other.limb1)
        var (d2, b2) = limb2.subtractingReportingOverflow(other.limb2)
        var (d3, b3) = limb3.subtractingReportingOverflow(other.limb3)
        if b0 { let (d, b) = d1.subtractingReportingOverflow(1); d1 = d; b1 = b1 || b }
        if b1 { let (d, b) = d2.subtractingReportingOverflow(1); d2 = d; b2 = b2 || b }
        if b2 { let (d, b) = d3.subtractingReportingOverflow(1); d3 = d; b3 = b3 || b }
        return (UInt256(limb0: d0, limb1: d1, limb2: d2, limb3: d3), b3)
    }

    /// The full product with a word: the low 256 bits and the 64 bits above them.
    public func multipliedFullWidth(by word: UInt64) -> (high: UInt64, low: UInt256) {
        var carry: UInt64 = 0
        func step(_ limb: UInt64) -> UInt64 {
            let product = limb.multipliedFullWidth(by: word)
            let (sum, overflow) = product.low.addingReportingOverflow(carry)
            // high <= 2^64 - 2 whenever low can carry, so this addition never overflows.
            carry = product.high &+ (overflow ? 1 : 0)
            return sum
        }
        let low = UInt256(limb0: step(limb0), limb1: step(limb1), limb2: step(limb2), limb3: step(limb3))
        return (carry, low)
    }

    public func multipliedReportingOverflow(by word: UInt64) -> (partialValue: UInt256, overflow: Bool) {
        let (high, low) = multipliedFullWidth(by: word)
        return (low, high != 0)
    }

    /// Quotient and remainder; nil when dividing by zero. Binary long division: off the hot
    /// path (chain work, retargeting), where clarity beats speed.
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (quotient: UInt256, remainder: UInt256)? {
        guard !divisor.isZero else { return nil }
        if self < divisor { return (.zero, self) }
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for bit in stride(from: bitWidth - 1, through: 0, by: -1) {
            remainder = remainder.shiftedLeft(by: 1)
            if testBit(bit) { remainder.limb0 |= 1 }
            if remainder >= divisor {
                remainder = remainder.subtractingReportingOverflow(divisor).partialValue
                quotient.setBit(bit)
            }
        }
        return (quotient, remainder)
    }

    public func testBit(_ bit: Int) -> Bool {
        guard (0..<256).contains(bit) else { return false }
        return (limb(bit / 64) >> UInt64(bit % 64)) & 1 == 1
    }

    public mutating func setBit(_ bit: Int) {
        guard (0..<256).contains(bit) else { return }
        let mask = UInt64(1) << UInt64(bit % 64)
        switch bit / 64 {
        case 0: limb0 |= mask
        case 1: limb1 |= mask
        case 2: limb2 |= mask
        default: limb3 |= mask
        }
    }

    public static prefix func ~ (value: UInt256) -> UInt256 {
        UInt256(limb0: ~value.limb0, limb1: ~value.limb1, limb2: ~value.limb2, limb3: ~value.limb3)
    }
}
