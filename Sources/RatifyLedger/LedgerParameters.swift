import RatifyCore

/// The staking and fee rules of a chain, from its genesis `staking` section. Fractions are
/// integers in parts per million so that every node computes the same amounts.
public struct LedgerParameters: Sendable, Equatable {
    public var chainID: String
    /// Bonded tokens per unit of voting power.
    public var powerUnit: UInt64
    public var validatorsMax: Int
    /// Blocks between `unstake` and the tokens' return to the balance.
    public var unbondingBlocks: UInt64
    public var slashFractionDoubleSign: PartsPerMillion
    public var slashFractionDowntime: PartsPerMillion
    /// Block time over which a validator's missed precommits are counted (`DowntimeWindow`).
    public var downtimeWindowMillis: UInt64
    /// Share of the window's blocks a validator must have precommitted to stay unjailed.
    public var minSignedPerWindow: PartsPerMillion
    /// Blocks a downtime-jailed validator waits before `unjail` is accepted.
    public var jailBlocks: UInt64
    /// Evidence older than this many blocks is rejected.
    public var evidenceAgeBlocksMax: UInt64
    /// The smallest fee a transaction may carry (genesis `staking.min_fee`).
    public var feeMin: UInt64
    /// Hybrid chains: blocks per Casper FFG epoch (genesis `pow.epoch_length`). FFG evidence
    /// dates its infraction at the height of its later target checkpoint.
    public var checkpointEpochLengthBlocks: UInt64

    public init(chainID: String, powerUnit: UInt64 = 1_000_000, validatorsMax: Int = 100, unbondingBlocks: UInt64 = 100,
                slashFractionDoubleSign: PartsPerMillion = PartsPerMillion(clamping: 50_000),
                slashFractionDowntime: PartsPerMillion = PartsPerMillion(clamping: 100),
                downtimeWindowMillis: UInt64 = 600_000, minSignedPerWindow: PartsPerMillion = PartsPerMillion(clamping: 500_000),
                jailBlocks: UInt64 = 50,
                evidenceAgeBlocksMax: UInt64 = 1_000, feeMin: UInt64 = 1, checkpointEpochLengthBlocks: UInt64 = 32) {
        precondition(powerUnit > 0 && validatorsMax > 0 && downtimeWindowMillis > 0 && checkpointEpochLengthBlocks > 0)
        self.chainID = chainID
        self.powerUnit = powerUnit
        self.validatorsMax = validatorsMax
        self.unbondingBlocks = unbondingBlocks
        self.slashFractionDoubleSign = slashFractionDoubleSign
        self.slashFractionDowntime = slashFractionDowntime
        self.downtimeWindowMillis = downtimeWindowMillis
        self.minSignedPerWindow = minSignedPerWindow
        self.jailBlocks = jailBlocks
        self.evidenceAgeBlocksMax = evidenceAgeBlocksMax
        self.feeMin = feeMin
        self.checkpointEpochLengthBlocks = checkpointEpochLengthBlocks
    }

    /// The parameters a validated genesis sets.
    public init(genesis: Genesis) {
        let staking = genesis.staking
        self.init(chainID: genesis.chainID, powerUnit: max(staking.powerUnit, 1),
                  validatorsMax: Int(clamping: max(staking.maxValidators, 1)), unbondingBlocks: staking.unbondingBlocks,
                  slashFractionDoubleSign: staking.slashFractionDoubleSign, slashFractionDowntime: staking.slashFractionDowntime,
                  downtimeWindowMillis: min(max(staking.downtimeWindowMillis, StakingParams.downtimeWindowMillisMin), StakingParams.downtimeWindowMillisMax),
                  minSignedPerWindow: staking.minSignedPerWindow,
                  jailBlocks: staking.jailBlocks, evidenceAgeBlocksMax: staking.evidenceMaxAgeBlocks,
                  feeMin: max(staking.minFee, 1), checkpointEpochLengthBlocks: max(genesis.pow.epochLength, 1))
    }

    /// The most voting power one validator may reach by staking (genesis rule
    /// `Genesis.powerPerValidatorMax`): the active set's total then stays within what a
    /// validator set may hold, so no stake can make the next set invalid and halt the chain.
    public var votingPowerPerValidatorMax: UInt64 {
        Genesis.powerPerValidatorMax(maxValidators: UInt64(clamping: validatorsMax))
    }
}
