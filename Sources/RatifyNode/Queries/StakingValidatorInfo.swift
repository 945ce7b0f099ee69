import RatifyCore
import RatifyLedger

/// A registered validator as the ledger holds it, for `GET /validator/KEY` and the names in
/// `GET /validators`: it includes validators outside the active set (jailed, tombstoned, or
/// with too little stake), which `/validators` does not list.
public struct StakingValidatorInfo: Sendable, Equatable {
    public var publicKey: PublicKey
    public var name: String
    public var operatorAddress: Address
    public var bondedTotal: UInt64
    /// Bonded stake in power units, 0 while jailed: the power it has in the next set decided.
    public var votingPower: Int64
    public var jailedUntil: Height?
    public var tombstoned: Bool
    /// Precommits missed in the current downtime window (block time).
    public var missedBlocks: UInt64
    public var height: Height

    public init(record: ValidatorRecord, ledger: Ledger) {
        publicKey = record.publicKey
        name = record.name
        operatorAddress = record.operatorAddress
        bondedTotal = record.bondedTotal
        votingPower = ledger.votingPower(of: record)
        jailedUntil = record.jailedUntil
        tombstoned = record.tombstoned
        missedBlocks = record.downtime.missedBlocks
        height = ledger.state.height
    }

    public var address: Address { publicKey.address }
    public var isJailed: Bool { jailedUntil != nil || tombstoned }

    /// Every registered validator of `ledger`, in public key order.
    public static func all(in ledger: Ledger) -> [StakingValidatorInfo] {
        ledger.state.validators.values.sorted { $0.publicKey < $1.publicKey }.map { StakingValidatorInfo(record: $0, ledger: ledger) }
    }
}
