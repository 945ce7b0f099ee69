import RatifyCore

/// The retarget rule a Ratify chain runs, chosen by genesis (`pow.retarget`), with its
/// parameters derived from the `pow` section. Times are in milliseconds throughout; for whole
/// seconds both rules give exactly the bits they give in seconds (only ratios matter to them).
///
/// - `bitcoin`: every 2016 blocks, timespan 2016 × `target_block_ms`, the ×4 clamp.
/// - `asert`: aserti3-2d anchored at genesis (height 0, parent time one spacing before the
///   genesis time, so a chain on schedule keeps its bits), half-life `asert_half_life_s`.
///
/// In both, the genesis bits are also the easiest target the chain allows (its `powLimit`).
public enum DifficultySchedule: Hashable, Sendable {
    case bitcoin(BitcoinRetarget)
    case asert(AsertRetarget)

    /// Blocks between Bitcoin-rule adjustments on Ratify chains, as on Bitcoin.
    public static let bitcoinInterval: UInt64 = 2016
    /// Longer spacings and half-lives (about 35 years) are treated as this long, so that no
    /// genesis value can overflow the arithmetic.
    static let durationMillisMax: UInt64 = 1 << 40

    /// `powLimit` falls back to Bitcoin's when the genesis bits are unusable (genesis validation
    /// rejects those first).
    public init(params: PoWParams, genesisTimeMillis: Int64) {
        let initial = CompactTarget(bits: params.initialBits)
        let powLimit = initial.target ?? BitcoinRetarget.bitcoinMainnet.powLimit
        let spacing = Int64(min(max(params.targetBlockMillis, 1), Self.durationMillisMax))
        switch params.retarget {
        case .bitcoin:
            self = .bitcoin(BitcoinRetarget(interval: Self.bitcoinInterval,
                                            targetTimespan: spacing * Int64(Self.bitcoinInterval),
                                            powLimit: powLimit))
        case .asert:
            let halfLife = Int64(min(max(params.asertHalfLifeSeconds, 1), Self.durationMillisMax / 1000)) * 1000
            self = .asert(AsertRetarget(anchorHeight: 0, anchorParentTime: genesisTimeMillis &- spacing,
                                        anchorBits: initial, targetSpacing: spacing, halfLife: halfLife,
                                        powLimit: powLimit))
        }
    }

    /// The bits for the block after `parent`. `ancestorTimeMillis(height)` gives the time of the
    /// parent's ancestor at a height (only the Bitcoin rule asks, once per interval); when it
    /// has none the bits stay as they are.
    public func nextBits(parentHeight: UInt64, parentTimeMillis: Int64, parentBits: CompactTarget,
                         ancestorTimeMillis: (UInt64) -> Int64?) -> CompactTarget {
        switch self {
        case .bitcoin(let rule):
            let height = parentHeight &+ 1
            guard height >= rule.interval, rule.isAdjustmentHeight(height),
                  let firstTime = ancestorTimeMillis(height - rule.interval)
            else { return parentBits }
            let (actual, overflow) = parentTimeMillis.subtractingReportingOverflow(firstTime)
            return rule.nextBits(lastBits: parentBits, actualTimespan: overflow ? (firstTime > 0 ? .min : .max) : actual)
        case .asert(let rule):
            return rule.nextBits(afterHeight: parentHeight, time: parentTimeMillis)
        }
    }
}
