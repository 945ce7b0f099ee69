/// Bitcoin's compact `bits`: a 256-bit target as a one-byte size and a three-byte mantissa,
/// `mantissa * 256^(size - 3)`, with bit 23 as a sign.
///
/// Decoding and encoding follow Bitcoin Core's `arith_uint256::SetCompact` / `GetCompact`
/// exactly, including the two flags a header's `bits` can raise: *negative* (sign bit set on a
/// non-zero mantissa) and *overflow* (the value does not fit in 256 bits). A header whose bits
/// raise either flag, or whose target is zero, can never be valid (`CheckProofOfWork`).
public struct CompactTarget: Hashable, Sendable, CustomStringConvertible {
    public var bits: UInt32

    public init(bits: UInt32) { self.bits = bits }

    /// What `SetCompact` produces for these bits.
    public struct Decoded: Hashable, Sendable {
        /// The 256-bit value (Bitcoin keeps whatever the shift leaves, even when a flag is set).
        public var target: UInt256
        public var isNegative: Bool
        public var isOverflow: Bool
    }

    public var decoded: Decoded {
        let size = Int(bits >> 24)
        var word = bits & 0x007f_ffff
        let target: UInt256
        if size <= 3 {
            word >>= UInt32(8 * (3 - size))
            target = UInt256(UInt64(word))
        } else {
            target = UInt256(UInt64(word)).shiftedLeft(by: 8 * (size - 3))
        }
        let isNegative = word != 0 && bits & 0x0080_0000 != 0
        let isOverflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
        return Decoded(target: target, isNegative: isNegative, isOverflow: isOverflow)
    }

    /// The target a hash must not exceed, or nil when these bits can never be met: negative,
    /// overflowing or zero (Bitcoin's `DeriveTarget` without the proof-of-work limit).
    public var target: UInt256? {
        let decoded = decoded
        guard !decoded.isNegative, !decoded.isOverflow, !decoded.target.isZero else { return nil }
        return decoded.target
    }

    /// `GetCompact`: the shortest encoding, rounding the target down to 23 bits of mantissa.
    public init(target: UInt256, negative: Bool = false) {
        var size = (target.bitWidth + 7) / 8
        var compact: UInt32
        if size <= 3 {
            compact = UInt32(truncatingIfNeeded: target.limb0 << UInt64(8 * (3 - size)))
        } else {
            compact = UInt32(truncatingIfNeeded: target.shiftedRight(by: 8 * (size - 3)).limb0)
        }
        // The mantissa's top bit is the sign, so a mantissa that reaches it moves up one byte.
        if compact & 0x0080_0000 != 0 {
            compact >>= 8
            size += 1
        }
        compact |= UInt32(size) << 24
        if negative, compact & 0x007f_ffff != 0 { compact |= 0x0080_0000 }
        self.bits = compact
    }

    /// The expected number of hashes to meet this target, `2^256 / (target + 1)`: Bitcoin's
    /// `GetBlockProof`, zero for bits that can never be met. A chain's work is the sum over its
    /// headers; the most-work chain is the one with the largest sum.
    public var work: UInt256 {
        guard let target else { return .zero }
        // 2^256 does not fit, so: 2^256 / (t+1) = (2^256 - t - 1) / (t+1) + 1 = ~t / (t+1) + 1.
        let (divisor, overflow) = target.addingReportingOverflow(.one)
        guard !overflow, let quotient = (~target).quotientAndRemainder(dividingBy: divisor)?.quotient else {
            return .one  // target = 2^256 - 1: every hash meets it
        }
        return quotient.addingReportingOverflow(.one).partialValue
    }

    /// Eight hex digits, as Bitcoin prints `bits`.
    public var hex: String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    public var description: String { hex }

    /// Parses eight (or fewer) hex digits with an optional `0x` prefix; nil on anything else.
    public init?(hex text: some StringProtocol) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard (1...8).contains(digits.utf8.count), digits.allSatisfy(\.isHexDigit), let bits = UInt32(digits, radix: 16) else { return nil }
        self.bits = bits
    }
}
