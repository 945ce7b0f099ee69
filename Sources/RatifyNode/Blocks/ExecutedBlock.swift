import RatifyCore
import RatifyLedger

/// What executing a decided block produced: per-transaction results and the app hash, the
/// state pairs to write in the same store transaction as the block and its commit, the
/// validator-set changes (effective at height + 2), and the chain state for the next height.
public struct ExecutedBlock: Sendable {
    public var result: Ledger.BlockResult
    public var writes: [(key: [UInt8], value: [UInt8]?)]
    public var validatorUpdates: [ValidatorUpdate]
    public var nextState: ChainState

    public init(result: Ledger.BlockResult, writes: [(key: [UInt8], value: [UInt8]?)], validatorUpdates: [ValidatorUpdate],
                nextState: ChainState) {
        self.result = result
        self.writes = writes
        self.validatorUpdates = validatorUpdates
        self.nextState = nextState
    }
}
