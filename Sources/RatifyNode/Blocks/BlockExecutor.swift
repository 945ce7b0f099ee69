import RatifyCore
import RatifyLedger

/// Applies a decided block to the ledger and advances the chain state (CometBFT's
/// `ApplyBlock` + `updateState`): the ledger runs the block, hands back its state writes, and
/// the validator sets shift so that changes decided at H take effect at H+2.
public enum BlockExecutor {
    /// - Parameters:
    ///   - ledger: at `state.lastBlockHeight`; on success, at the block's height.
    ///   - verifiedTransactions: hashes whose signatures were already checked (the mempool's,
    ///     or `ValidatedBlock.verifiedTransactions`); the ledger does not check them again.
    public static func execute(_ block: Block, state: ChainState, ledger: inout Ledger,
                               verifiedTransactions: Set<Hash> = []) throws(BlockExecutionError) -> ExecutedBlock {
        guard block.height == state.nextHeight, ledger.state.height == state.lastBlockHeight else {
            throw .height(ledgerHeight: ledger.state.height, stateHeight: state.lastBlockHeight, blockHeight: block.height)
        }
        var scratch = ledger
        let result = scratch.execute(height: block.height, proposer: block.header.proposerAddress,
                                     transactions: block.transactions, evidence: block.evidence,
                                     lastCommitParticipation: participation(block.lastCommit, state.lastValidators),
                                     verifiedTransactions: verifiedTransactions)
        let updates = scratch.validatorUpdates(from: state.nextValidators.validators)
        let nextValidators: ValidatorSet
        do {
            nextValidators = try state.nextValidators.updating(with: updates).copyIncrementingProposerPriority(times: 1)
        } catch {
            throw .validatorSet(error)
        }
        let writes = scratch.takeWrites()
        ledger = scratch
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

    /// Who of the last set signed the last commit, for downtime tracking: a precommit for nil
    /// counts as signed (the validator was up), as in CometBFT.
    static func participation(_ commit: Commit?, _ validators: ValidatorSet?) -> [(address: Address, signed: Bool)] {
        guard let commit, let validators else { return [] }
        return validators.validators.enumerated().map { index, validator in
            let signature = commit.signatures.indices.contains(index) ? commit.signatures[index] : .absent
            return (validator.address, signature != .absent)
        }
    }
}
