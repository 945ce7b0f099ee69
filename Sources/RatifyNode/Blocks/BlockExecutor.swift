import RatifyCore
import RatifyLedger

/// Applies a decided block to the ledger and advances the chain state (CometBFT's
/// `ApplyBlock` + `updateState`): the ledger runs the block, hands back its state writes, and
/// the validator sets shift so that changes decided at H take effect at H+2.
public enum BlockExecutor {
    /// - Parameters:
    ///   - ledger: at `state.lastBlockHeight`; on success, at the block's height. Executed in
    ///     place (a copy would duplicate the whole state every block): after an error it may be
    ///     part-way through the block and must be discarded.
    ///   - verifiedTransactions: hashes whose signatures were already checked (the mempool's,
    ///     or `ValidatedBlock.verifiedTransactions`); the ledger does not check them again.
    public static func execute(_ block: Block, state: ChainState, ledger: inout Ledger,
                               verifiedTransactions: Set<Hash> = []) throws(BlockExecutionError) -> ExecutedBlock {
        guard block.height == state.nextHeight, ledger.state.height == state.lastBlockHeight else {
            throw .height(ledgerHeight: ledger.state.height, stateHeight: state.lastBlockHeight, blockHeight: block.height)
        }
        // The ledger checks the signatures of the rest itself: count them with the others.
        let ledgerChecks = block.transactions.count { !verifiedTransactions.contains($0.hash) }
        if ledgerChecks > 0 { SignatureBatch.transactionVerifications.increment(by: ledgerChecks) }
        let result = ledger.execute(height: block.height, timeMillis: block.header.timeMillis, proposer: block.header.proposerAddress,
                                     transactions: block.transactions, evidence: block.evidence,
                                     lastCommitParticipation: lastCommitParticipation(block, state),
                                     verifiedTransactions: verifiedTransactions)
        let updates = ledger.validatorUpdates(from: state.nextValidators.validators)
        let nextValidators: ValidatorSet
        do {
            nextValidators = try state.nextValidators.updating(with: updates).copyIncrementingProposerPriority(times: 1)
        } catch {
            throw .validatorSet(error)
        }
        let writes = ledger.takeWrites()
        var next = state
        next.lastBlockHeight = block.height
        next.lastBlockID = block.id
        next.lastBlockTimeMillis = block.header.timeMillis
        next.appHash = result.appHash
        next.lastValidators = state.validators
        next.validators = state.nextValidators
        next.nextValidators = nextValidators
        return ExecutedBlock(result: result, writes: writes, validatorUpdates: updates, nextState: next)
    }

    static func lastCommitParticipation(_ block: Block, _ state: ChainState) -> [(address: Address, signed: Bool)] {
        guard let commit = block.lastCommit, let validators = state.lastValidators else { return [] }
        return commit.participation(validators: validators)
    }
}
