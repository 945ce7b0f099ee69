/// Staking, slashing and jailing rules and the fee floor, read by the ledger. Block counts are heights.
public struct StakingParams: Hashable, Sendable, CanonicalEncodable {
    /// Stake units per unit of voting power (power = stake / power_unit, rounded down), like
    /// Cosmos's power reduction; a validator needs at least one unit of power.
    public var powerUnit: UInt64 = 1_000_000
    /// The active set is the `maxValidators` largest stakes.
    public var maxValidators: UInt64 = 100
    /// Blocks an unbonding stake stays slashable before it is released.
    public var unbondingBlocks: UInt64 = 1_000
    /// Fraction of stake burnt for a proven double sign.
    public var slashFractionDoubleSign = PartsPerMillion(clamping: 50_000)
    /// Fraction of stake burnt for missing too many blocks in a window.
    public var slashFractionDowntime = PartsPerMillion(clamping: 100)
    /// Window of block time (header times) over which signed precommits are counted for
    /// downtime: 10 minutes, what CometBFT's 100 blocks of about 6 s amount to. In block time,
    /// so that it means the same at any block rate (at 35 blocks/s, 100 blocks are 3 s).
    public var downtimeWindowMillis: UInt64 = 600_000
    /// The window's bounds: a second (tests) to 30 days.
    public static let downtimeWindowMillisMin: UInt64 = 1_000
    public static let downtimeWindowMillisMax: UInt64 = 30 * 24 * 3_600_000
    /// Share of the window's blocks a validator must have precommitted, or it is slashed and
    /// jailed (CometBFT's `min_signed_per_window`); zero turns downtime jailing off.
    public var minSignedPerWindow = PartsPerMillion(clamping: 500_000)
    /// Blocks a jailed validator stays out of the set.
    public var jailBlocks: UInt64 = 600
    /// Evidence older than this many blocks is rejected.
    public var evidenceMaxAgeBlocks: UInt64 = 100_000
    /// The smallest fee a transaction may carry; at least 1, so a key with no balance can
    /// neither pass the mempool nor write any state (docs/LEDGER.md, "Fees").
    public var minFee: UInt64 = 1

    public init() {}

    public func encode(to writer: inout ByteWriter) {
        writer.write(powerUnit)
        writer.write(maxValidators)
        writer.write(unbondingBlocks)
        writer.write(slashFractionDoubleSign.value)
        writer.write(slashFractionDowntime.value)
        writer.write(downtimeWindowMillis)
        writer.write(minSignedPerWindow.value)
        writer.write(jailBlocks)
        writer.write(evidenceMaxAgeBlocks)
        writer.write(minFee)
    }
}
