/// ASERT, "aserti3-2d" as Bitcoin Cash activated it in November 2020: an absolutely scheduled,
/// exponentially rising target, recomputed every block from a fixed anchor block.
///
/// `next = anchorTarget × 2^((timeDelta − spacing × (heightDelta + 1)) / halfLife)`, where the
/// deltas run from the anchor (time: from the anchor's *parent*) to the block the new one
/// builds on. The power of two is integer-exact: a 16.16 fixed-point exponent (the division
/// truncates toward zero), whole bits as shifts, the fraction through the specification's
/// cubic polynomial. Two implementations given the same inputs always agree, which is what
/// consensus needs. Bitcoin Cash's published test vectors pin it (RatifyPoWTests).
///
/// Times are in one unit throughout, whatever it is: seconds for Bitcoin Cash's vectors and
/// Bitcoin-style headers, milliseconds if a chain keeps its block times in milliseconds.
public struct AsertRetarget: Hashable, Sendable {
    public var anchorHeight: UInt64
    /// The time of the anchor block's parent.
    public var anchorParentTime: Int64
    public var anchorBits: CompactTarget
    /// The intended time between blocks (600 s on Bitcoin Cash).
    public var targetSpacing: Int64
    /// A schedule error this long halves or doubles the target (two days on Bitcoin Cash).
    public var halfLife: Int64
    /// The easiest target allowed.
    public var powLimit: UInt256

    public init(anchorHeight: UInt64, anchorParentTime: Int64, anchorBits: CompactTarget,
                targetSpacing: Int64, halfLife: Int64, powLimit: UInt256) {
        precondition(targetSpacing > 0 && halfLife > 0, "ASERT's spacing and half-life are positive")
        self.anchorHeight = anchorHeight
        self.anchorParentTime = anchorParentTime
        self.anchorBits = anchorBits
        self.targetSpacing = targetSpacing
        self.halfLife = halfLife
        self.powLimit = powLimit
    }

    /// The bits for the block after the one at `height` with time `time`.
    ///
    /// Never traps: heights before the anchor, times far in the past or future and unusable
    /// anchor bits all give a target between 1 and `powLimit`. (Bitcoin Cash asserts its
    /// ranges instead; within them the results are identical.)
    public func nextBits(afterHeight height: UInt64, time: Int64) -> CompactTarget {
        let anchorTarget = anchorBits.target.map { min($0, powLimit) } ?? powLimit
        // 128-bit intermediates: a 64-bit height difference times the spacing, times 2^16,
        // cannot overflow them.
        let heightDelta = Int128(height) - Int128(anchorHeight)
        let timeDelta = Int128(time) - Int128(anchorParentTime)
        let exponent = (timeDelta - Int128(targetSpacing) * (heightDelta + 1)) * 65536 / Int128(halfLife)
        let shifts = exponent >> 16  // floor: the fraction below is always in [0, 65536)
        let fraction = UInt64(truncatingIfNeeded: exponent) & 0xffff
        // 2^(fraction / 65536) × 65536, the specification's cubic; the sum stays below 2^64
        // for every fraction (largest at 65535: about 1.84467e19).
        let polynomial = 195_766_423_245_049 &* fraction
            &+ 971_821_376 &* fraction &* fraction
            &+ 5_127 &* fraction &* fraction &* fraction
            &+ (1 << 47)
        let factor = 65536 + (polynomial >> 48)
        // anchorTarget × factor needs up to 256 + 17 bits: keep the word above the 256.
        let (high, low) = anchorTarget.multipliedFullWidth(by: factor)
        let shift = shifts - 16
        let next: UInt256
        if shift <= 0 {
            let distance = -shift
            if distance >= 320 {
                next = .zero
            } else {
                let distanceBits = Int(distance)
                // Bits of the high word that stay above 2^256 put the result over any limit.
                if distanceBits < 64, high >> UInt64(distanceBits) != 0 { return CompactTarget(target: powLimit) }
                // (high·2^256 + low) >> distance, in two parts.
                let fromLow = low.shiftedRight(by: distanceBits)
                let fromHigh = distanceBits < 256
                    ? UInt256(high).shiftedLeft(by: 256 - distanceBits)
                    : UInt256(high).shiftedRight(by: distanceBits - 256)
                next = UInt256(limb0: fromLow.limb0 | fromHigh.limb0, limb1: fromLow.limb1 | fromHigh.limb1,
                               limb2: fromLow.limb2 | fromHigh.limb2, limb3: fromLow.limb3 | fromHigh.limb3)
            }
        } else {
            // A left shift of a non-zero value that already has bits above 256, or loses bits,
            // is over any 256-bit limit.
            let distance = Int(min(shift, 256))
            let shifted = low.shiftedLeft(by: distance)
            guard high == 0, distance < 256, shifted.shiftedRight(by: distance) == low else {
                return CompactTarget(target: powLimit)
            }
            next = shifted
        }
        if next.isZero { return CompactTarget(target: .one) }
        return CompactTarget(target: min(next, powLimit))
    }
}
