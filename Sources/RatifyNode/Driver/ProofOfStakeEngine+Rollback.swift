import RatifyCore
import RatifyLedger
import RatifyStore

extension ProofOfStakeEngine {
    /// After `ratify rollback` the block above the stored tip and its commit are still stored:
    /// execute that block again on the recovered ledger and store it as the driver stores a
    /// decided block. Nil when there is no such block (the usual start).
    static func reexecuteRolledBack(store: NodeStore, ledger: Ledger, chain: ChainState) throws -> (Ledger, ChainState, Commit?)? {
        let height = chain.nextHeight
        guard let block = try store.blocks.block(height: height), let commit = try store.blocks.commit(height: height) else { return nil }
        let path = store.environment.path
        do {
            guard commit.blockID == block.id else { throw NodeStartError("the stored commit is for another block") }
            try commit.verify(chainID: chain.chainID, validators: chain.validators)
        } catch {
            throw NodeStartError("\(path): rolled-back block \(height) cannot be re-executed: \(error); restore the data directory from a backup")
        }
        var ledger = ledger
        let executed = try BlockExecutor.execute(block, state: chain, ledger: &ledger)
        let locations = TransactionLocation.all(in: block, result: executed.result)
        try store.blocks.commit(block: block, commit: commit,
                                stateWrites: executed.writes.map { StateWrite(key: $0.key, value: $0.value) },
                                appHash: executed.result.appHash,
                                validatorSets: [(height + 2, executed.nextState.nextValidators)],
                                transactions: locations.map { ($0.hash, $0.index, $0.code, $0.log) })
        return (ledger, executed.nextState, commit)
    }
}
