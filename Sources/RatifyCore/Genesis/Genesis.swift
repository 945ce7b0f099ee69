/// The first state of a chain: its identity, consensus rules, initial validators and balances.
/// Every node of a chain must start from the same `Genesis`; peers compare `genesisHash`.
///
/// Read from and written to `genesis.json` (docs/GENESIS.md documents every field) by
/// `Genesis(json:file:)` and `jsonText`; checked by `validate()`. The model is plain data:
/// a `Genesis` built in code is validated the same way as one read from a file.
public struct Genesis: Hashable, Sendable, CanonicalEncodable {
    /// 1 to 50 bytes of `[A-Za-z0-9._-]`; part of every signed message, so a signature for one
    /// chain can never be replayed on another.
    public var chainID: String
    public var genesisTime: GenesisTime
    public var mode: ChainMode = .pos
    public var consensus = ConsensusParams()
    public var block = BlockParams()
    public var validators: [GenesisValidator] = []
    public var accounts: [GenesisAccount] = []
    public var staking = StakingParams()
    public var pow = PoWParams()

    /// Accounts at genesis; bounds what a genesis file can make a node allocate.
    public static let accountsMax = 1_000_000
    /// The largest total voting power, as in CometBFT (`MaxTotalVotingPower` = Int64.max / 8),
    /// so that proposer priorities (which add and subtract powers) never overflow Int64.
    public static let totalPowerMax: UInt64 = UInt64(Int64.max) / 8

    /// The most voting power one validator may have: with at most `staking.max_validators` in
    /// the set, powers within this keep the set's total within `totalPowerMax` whatever is
    /// staked later (the ledger refuses stakes beyond it).
    public static func powerPerValidatorMax(maxValidators: UInt64) -> UInt64 {
        totalPowerMax / max(maxValidators, 1)
    }
    /// Domain tag of the genesis hash, so the hash can never collide with another structure's.
    public static let hashDomain = "ratify/genesis/v1"

    public init(chainID: String, genesisTime: GenesisTime) {
        self.chainID = chainID
        self.genesisTime = genesisTime
    }

    /// A validator's voting power under this genesis's power unit.
    public func power(of validator: GenesisValidator) -> UInt64 {
        staking.powerUnit == 0 ? 0 : validator.stake / staking.powerUnit
    }

    /// Sum of the validators' stakes, or nil if it would overflow (which `validate` rejects).
    public var totalStake: UInt64? {
        var total: UInt64 = 0
        for validator in validators {
            let (sum, overflow) = total.addingReportingOverflow(validator.stake)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// SHA-256 of the domain tag and the canonical encoding of the parsed genesis (defaults
    /// filled in). Independent of the JSON's whitespace and key order, and of whether
    /// defaults were written out or omitted.
    public var genesisHash: Hash {
        var writer = ByteWriter(capacity: 1024)
        writer.writeRaw(Self.hashDomain.utf8)
        encode(to: &writer)
        return Hash.sha256(writer.bytes)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeString(chainID)
        writer.write(genesisTime.unixSeconds)
        writer.write(genesisTime.nanos)
        writer.write(mode)
        writer.write(consensus)
        writer.write(block)
        writer.writeList(validators)
        writer.writeList(accounts)
        writer.write(staking)
        writer.write(pow)
    }
}
