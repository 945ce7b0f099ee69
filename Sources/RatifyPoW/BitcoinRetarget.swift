/// Bitcoin's difficulty adjustment (`CalculateNextWorkRequired` in Bitcoin Core's `pow.cpp`).
///
/// Every `interval` blocks the target is scaled by how long the last interval actually took
/// over how long it should have taken, the actual time clamped to [timespan / 4, timespan × 4],
/// and never made easier than `powLimit`. Between boundaries the bits stay as they are.
/// (Testnet's 20-minute minimum-difficulty rule is not part of this; Ratify's testnets use
/// ASERT.)
public struct BitcoinRetarget: Hashable, Sendable {
    /// Blocks between adjustments (2016 on Bitcoin).
    public var interval: UInt64
    /// How long `interval` blocks should take, in the unit block times are in (Bitcoin: two
    /// weeks in seconds; `DifficultySchedule` uses milliseconds, which gives the same bits for
    /// whole seconds since only the ratio of the two times matters).
    public var targetTimespan: Int64
    /// The easiest target allowed.
    public var powLimit: UInt256

    public init(interval: UInt64, targetTimespan: Int64, powLimit: UInt256) {
        precondition(interval > 0 && targetTimespan > 0 && targetTimespan <= Int64.max / 4,
                     "retarget parameters are positive and the ×4 clamp fits")
        self.interval = interval
        self.targetTimespan = targetTimespan
        self.powLimit = powLimit
    }

    /// Bitcoin mainnet: 2016 blocks, 14 days, limit `0x1d00ffff`.
    public static let bitcoinMainnet = BitcoinRetarget(
        interval: 2016, targetTimespan: 14 * 24 * 60 * 60,
        powLimit: CompactTarget(bits: 0x1d00_ffff).decoded.target
    )

    /// Whether the block at `height` gets new bits (heights that are a multiple of the interval).
    public func isAdjustmentHeight(_ height: UInt64) -> Bool { height % interval == 0 }

    /// The clamp Bitcoin applies to the measured timespan before scaling.
    public func clampedTimespan(_ actual: Int64) -> Int64 {
        min(max(actual, max(targetTimespan / 4, 1)), targetTimespan * 4)
    }

    /// The bits for the first block of a new interval, given the last block's bits and the time
    /// the interval took, in `targetTimespan`'s unit: the last block's time minus the interval's
    /// first block's time (Bitcoin measures over 2015 gaps, the off-by-one it has always had).
    /// Any input gives an answer: unusable `lastBits` are decoded as Bitcoin would, and the
    /// result lies in 1...`powLimit`.
    public func nextBits(lastBits: CompactTarget, actualTimespan: Int64) -> CompactTarget {
        let timespan = UInt64(clampedTimespan(actualTimespan))  // positive after the clamp
        let expected = UInt64(targetTimespan)
        // target × timespan / expected without a wider type: with target = q·expected + r,
        // that is q·timespan + r·timespan / expected, and r·timespan < 2^126 fits. Bitcoin's
        // own limit (2^224) never needs this; limits near 2^256 (regtest-like bits) do.
        let last = lastBits.decoded.target
        guard let (quotient, remainder) = last.quotientAndRemainder(dividingBy: UInt256(expected)),
              let fraction = remainder.multipliedReportingOverflow(by: timespan).partialValue
                  .quotientAndRemainder(dividingBy: UInt256(expected))?.quotient
        else { return CompactTarget(target: powLimit) }  // never: expected > 0
        let (whole, wholeOverflow) = quotient.multipliedReportingOverflow(by: timespan)
        let (next, sumOverflow) = whole.addingReportingOverflow(fraction)
        guard !wholeOverflow, !sumOverflow, next <= powLimit else { return CompactTarget(target: powLimit) }
        return CompactTarget(target: next.isZero ? .one : next)
    }
}
