import RatifyCore

/// Why a decided block could not be applied. Each means the node's own state is out of step
/// with the chain (a bug or a corrupt store), not a bad block: the driver stops and says so.
public enum BlockExecutionError: Error, Equatable, Sendable, CustomStringConvertible {
    case height(ledgerHeight: Height, stateHeight: Height, blockHeight: Height)
    case validatorSet(ValidatorSetError)

    public var description: String {
        switch self {
        case .height(let ledgerHeight, let stateHeight, let blockHeight):
            "cannot apply block \(blockHeight): the ledger is at height \(ledgerHeight) and the chain state at \(stateHeight); blocks apply in order"
        case .validatorSet(let error):
            "cannot apply the block's validator updates: \(error)"
        }
    }
}
