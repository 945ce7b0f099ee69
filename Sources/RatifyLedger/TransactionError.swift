import RatifyCore

/// Why a transaction failed, with a stable numeric code for RPC and the CLI.
///
/// Envelope errors (`isEnvelopeError`) mean the transaction cannot be executed at all: it
/// changes nothing, not even the nonce, and the mempool refuses it. Every other error is a
/// payload failure: the fee is charged and the nonce advances, and nothing else changes.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongChain(expected: String, got: String)
    case badSignature
    case badNonce(expected: UInt64, got: UInt64)
    case feeTooLow(minimum: UInt64, got: UInt64)
    case cannotPayFee(balance: UInt64, fee: UInt64)
    case insufficientBalance(have: UInt64, need: UInt64, fee: UInt64)
    case zeroAmount
    case unknownValidator(PublicKey)
    case validatorTombstoned(PublicKey)
    case invalidName(String)
    case nameOnlyWhenRegistering
    case insufficientStake(have: UInt64, need: UInt64)
    case notOperator(validator: PublicKey)
    case notJailed(PublicKey)
    case jailPeriodNotOver(until: Height)
    case selfStakeBelowPowerUnit(have: UInt64, need: UInt64)
    case invalidEvidence(String)
    case evidenceTooOld(height: Height, oldestAllowed: Height)
    case overflow
    /// The stake would give the validator more voting power than one validator may have.
    case votingPowerTooLarge(power: UInt64, max: UInt64)
    /// The account has used every nonce (2^64 transactions): only a damaged state gets here.
    case nonceExhausted

    public var code: UInt32 {
        switch self {
        case .wrongChain: 1
        case .badSignature: 2
        case .badNonce: 3
        case .feeTooLow: 4
        case .cannotPayFee: 5
        case .insufficientBalance: 6
        case .zeroAmount: 7
        case .unknownValidator: 8
        case .validatorTombstoned: 9
        case .invalidName: 10
        case .nameOnlyWhenRegistering: 11
        case .insufficientStake: 12
        case .notOperator: 13
        case .notJailed: 14
        case .jailPeriodNotOver: 15
        case .selfStakeBelowPowerUnit: 16
        case .invalidEvidence: 17
        case .evidenceTooOld: 18
        case .overflow: 19
        case .nonceExhausted: 20
        case .votingPowerTooLarge: 21
        }
    }

    public var isEnvelopeError: Bool {
        switch self {
        case .wrongChain, .badSignature, .badNonce, .feeTooLow, .cannotPayFee, .nonceExhausted: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .wrongChain(let expected, let got): "wrong chain id: transaction is for \"\(got)\", this chain is \"\(expected)\""
        case .badSignature: "invalid signature"
        case .badNonce(let expected, let got): "bad nonce: expected \(expected), got \(got)"
        case .feeTooLow(let minimum, let got): "fee too low: minimum \(minimum), got \(got)"
        case .cannotPayFee(let balance, let fee): "cannot pay fee: have \(balance), need \(fee)"
        case .insufficientBalance(let have, let need, let fee): "insufficient balance: have \(have), need \(need) + fee \(fee)"
        case .zeroAmount: "amount must be positive"
        case .unknownValidator(let key): "unknown validator \(key.hex)"
        case .validatorTombstoned(let key): "validator \(key.hex) is tombstoned for double signing and can never return"
        case .invalidName(let name): "invalid validator name \"\(name)\": use 1-\(CodecLimits.nameBytesMax) printable characters"
        case .nameOnlyWhenRegistering: "a name may only be given by a validator's first self-stake"
        case .insufficientStake(let have, let need): "insufficient stake: bonded \(have), asked to unstake \(need)"
        case .notOperator(let key): "only the operator of validator \(key.hex) may do this"
        case .notJailed(let key): "validator \(key.hex) is not jailed"
        case .jailPeriodNotOver(let until): "still jailed: unjail is accepted from height \(until)"
        case .selfStakeBelowPowerUnit(let have, let need): "self-stake \(have) is below the power unit \(need): stake more before unjailing"
        case .invalidEvidence(let reason): "invalid evidence: \(reason)"
        case .evidenceTooOld(let height, let oldest): "evidence from height \(height) is too old (oldest accepted: \(oldest))"
        case .overflow: "amount overflows"
        case .votingPowerTooLarge(let power, let max):
            "the stake would give the validator voting power \(power), above the most one validator may have, \(max)"
        case .nonceExhausted: "the sender's account has used its last nonce and can send no more transactions"
        }
    }
}
