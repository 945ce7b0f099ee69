import RatifyCore

/// The staking and fee rules of a chain, from its genesis `staking` section. Fractions are
/// integers in parts per million so that every node computes the same amounts.
public struct LedgerParameters: Sendable, Equatable {
    public static let partsPerMillion: UInt64 = 1_000_000

    public var chainID: String
    /// Bonded tokens per unit of voting power.
    public var powerUnit: UInt64
    public var validatorsMax: Int
    /// Blocks between `unstake` and the tokens' return to the balance.
    public var unbondingBlocks: UInt64
    public var slashFractionDoubleSignPPM: UInt64
    public var slashFractionDowntimePPM: UInt64
    /// Blocks over which a validator's missed precommits are counted.
    public var downtimeWindowBlocks: UInt64
    /// The share of the window a validator must sign to stay unjailed.
    public var minSignedPerWindowPPM: UInt64
    /// Blocks a downtime-jailed validator waits before `unjail` is accepted.
    public var jailBlocks: UInt64
    /// Evidence older than this many blocks is rejected.
    public var evidenceAgeBlocksMax: UInt64
    /// The smallest fee a transaction may carry.
    public var feeMin: UInt64

    public init(chainID: String, powerUnit: UInt64 = 1_000_000, validatorsMax: Int = 100, unbondingBlocks: UInt64 = 100,
                slashFractionDoubleSignPPM: UInt64 = 50_000, slashFractionDowntimePPM: UInt64 = 100,
                downtimeWindowBlocks: UInt64 = 100, minSignedPerWindowPPM: UInt64 = 500_000, jailBlocks: UInt64 = 50,
                evidenceAgeBlocksMax: UInt64 = 1_000, feeMin: UInt64 = 0) {
        precondition(powerUnit > 0 && validatorsMax > 0 && downtimeWindowBlocks > 0)
        self.chainID = chainID
        self.powerUnit = powerUnit
        self.validatorsMax = validatorsMax
        self.unbondingBlocks = unbondingBlocks
        self.slashFractionDoubleSignPPM = slashFractionDoubleSignPPM
        self.slashFractionDowntimePPM = slashFractionDowntimePPM
        self.downtimeWindowBlocks = downtimeWindowBlocks
        self.minSignedPerWindowPPM = minSignedPerWindowPPM
        self.jailBlocks = jailBlocks
        self.evidenceAgeBlocksMax = evidenceAgeBlocksMax
        self.feeMin = feeMin
    }

    /// The most precommits a validator may miss in a window before it is jailed.
    public var missedBlocksMax: UInt64 {
        let signedMin = (downtimeWindowBlocks * minSignedPerWindowPPM + Self.partsPerMillion - 1) / Self.partsPerMillion
        return downtimeWindowBlocks - min(signedMin, downtimeWindowBlocks)
    }
}

/// `amount * ppm / 1_000_000`, rounded down, without overflow.
func fraction(_ amount: UInt64, ppm: UInt64) -> UInt64 {
    let (high, low) = amount.multipliedFullWidth(by: ppm)
    let (quotient, _) = LedgerParameters.partsPerMillion.dividingFullWidth((high, low))
    return quotient
}
