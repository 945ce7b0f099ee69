/// Proof-of-work parameters, used in `pow` and `hybrid` modes (validated in every mode so a
/// file can switch modes without surprises).
public struct PoWParams: Hashable, Sendable, CanonicalEncodable {
    /// The first block's target in Bitcoin's compact form; written as 8 hex digits
    /// ("207fffff" is regtest's, the easiest valid target).
    public var initialBits: UInt32 = 0x207f_ffff
    /// The block interval retargeting aims for.
    public var targetBlockMillis: UInt64 = 5_000
    public var retarget: RetargetRule = .asert
    /// ASERT's half-life: a schedule error of this long halves or doubles the target.
    public var asertHalfLifeSeconds: UInt64 = 3_600
    /// In `pow` mode a block is final under this many blocks (k).
    public var confirmations: UInt64 = 6
    /// In `hybrid` mode validators vote on a checkpoint every this many blocks.
    public var epochLength: UInt64 = 32

    public init() {}

    /// Why `bits` is not a usable compact target, or nil when it is: the sign bit must be
    /// clear, the mantissa non-zero, and the target must fit in 256 bits (Bitcoin's
    /// `SetCompact` negative/overflow checks).
    public static func compactBitsProblem(_ bits: UInt32) -> String? {
        let exponent = bits >> 24
        let mantissa = bits & 0x007f_ffff
        if bits & 0x0080_0000 != 0 { return "the sign bit (0x00800000) is set, which makes the target negative" }
        if mantissa == 0 { return "the mantissa is zero, which makes the target zero" }
        if exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32) {
            return "the target does not fit in 256 bits"
        }
        return nil
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(initialBits)
        writer.write(targetBlockMillis)
        writer.write(retarget)
        writer.write(asertHalfLifeSeconds)
        writer.write(confirmations)
        writer.write(epochLength)
    }
}
