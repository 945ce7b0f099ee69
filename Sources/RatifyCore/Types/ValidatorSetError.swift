/// Why a validator set cannot be built or a change set cannot be applied. The set it was
/// applied to is left as it was (updates return a new set). Each case names the offending
/// address where there is one, so the application that produced the change can be fixed.
public enum ValidatorSetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The result would have no validators (a chain cannot continue without a proposer).
    case empty
    /// The result would have more validators than `CodecLimits.validatorsMax`.
    case tooManyValidators(count: Int, max: Int)
    /// The same address appears twice in one change set.
    case duplicateAddress(Address)
    case negativeVotingPower(Address, votingPower: Int64)
    /// A new set is built from members only; power 0 (removal) has no meaning there.
    case zeroVotingPower(Address)
    /// One validator's power alone exceeds `ValidatorSet.totalVotingPowerMax`.
    case votingPowerTooLarge(Address, votingPower: Int64, max: Int64)
    /// A removal (power 0) names a validator that is not in the set.
    case removingUnknownValidator(Address)
    /// The total voting power after the change would exceed `ValidatorSet.totalVotingPowerMax`.
    case totalVotingPowerTooLarge(max: Int64)

    public var description: String {
        switch self {
        case .empty:
            "the validator set would be empty; keep at least one validator with positive power"
        case .tooManyValidators(let count, let max):
            "the validator set would have \(count) validators, more than the maximum \(max)"
        case .duplicateAddress(let address):
            "validator \(address.hex) appears more than once in the change set"
        case .negativeVotingPower(let address, let votingPower):
            "validator \(address.hex) has negative voting power \(votingPower)"
        case .zeroVotingPower(let address):
            "validator \(address.hex) has voting power 0; a new set needs positive powers"
        case .votingPowerTooLarge(let address, let votingPower, let max):
            "validator \(address.hex) has voting power \(votingPower), more than the maximum \(max)"
        case .removingUnknownValidator(let address):
            "cannot remove validator \(address.hex): it is not in the set"
        case .totalVotingPowerTooLarge(let max):
            "the total voting power would exceed the maximum \(max)"
        }
    }
}
