import RatifyCore

/// Tendermint's `valid(v)` for a block on top of a `ChainState`: the header extends the
/// chain's last block with the expected app hash, validator hashes and a later time; the body
/// matches the header and fits the block limits; the last commit carries more than 2/3 of the
/// last validator set's power for the last block; every transaction is for this chain and
/// correctly signed; every evidence item passes `EvidenceRules`, once. Deterministic, so all honest validators agree (the clock-drift check is
/// the one exception, and applies only when `nowMillis` is given: to fresh proposals, not sync).
public struct BlockValidator: Sendable {
    /// How far ahead of this node's clock a proposal's time may be.
    public var clockDriftMillisMax: UInt64

    public init(clockDriftMillisMax: UInt64 = 10_000) {
        self.clockDriftMillisMax = clockDriftMillisMax
    }

    /// - Parameters:
    ///   - evidence: the ledger's rules as it stands before this block (`EvidenceRules(ledger:)`).
    ///   - expectedProposer: the proposer of the round the block was first proposed in, when the
    ///     caller knows it. Without it the proposer need only be a member of the set: a block
    ///     re-proposed in a later round (Algorithm 1, valid value) keeps its first proposer.
    ///   - nowMillis: this node's clock, to refuse times too far ahead; nil when syncing.
    ///   - alreadyVerified: transaction hashes whose signatures were checked before (the mempool's).
    ///   - verifiedPrecommits: precommits whose signatures were checked before, against the
    ///     validator set of their height (the node's own vote verification); an identical entry
    ///     of the last commit is not checked again.
    public func validate(_ block: Block, state: ChainState, evidence: EvidenceRules, expectedProposer: Address? = nil, nowMillis: UInt64? = nil,
                         alreadyVerified: Set<Hash> = [], verifiedPrecommits: Set<Vote> = []) async throws(BlockValidationError) -> ValidatedBlock {
        try validateHeader(block.header, state: state, expectedProposer: expectedProposer, nowMillis: nowMillis)
        do { try block.validateBody() } catch { throw .body(error) }
        let bytesCount = block.canonicalBytes.count
        guard UInt64(bytesCount) <= state.blockParams.maxBytes else {
            throw .tooLarge(bytes: bytesCount, bytesMax: state.blockParams.maxBytes)
        }
        guard UInt64(block.transactions.count) <= state.blockParams.maxTxs else {
            throw .tooManyTransactions(count: block.transactions.count, countMax: state.blockParams.maxTxs)
        }
        if let lastCommit = block.lastCommit {
            try await validateLastCommit(lastCommit, state: state, verifiedPrecommits: verifiedPrecommits)
        }
        try validateEvidence(block.evidence, height: block.height, rules: evidence)
        let hashes = block.transactions.map(\.hash)
        let unverified = block.transactions.indices.filter { !alreadyVerified.contains(hashes[$0]) }
        let results = await SignatureBatch.verify(unverified.map { block.transactions[$0] })
        for (index, isValid) in zip(unverified, results) where !isValid {
            throw .transactionSignature(index: index, hash: hashes[index])
        }
        return ValidatedBlock(block: block, verifiedTransactions: Set(hashes))
    }

    func validateHeader(_ header: Header, state: ChainState, expectedProposer: Address?,
                        nowMillis: UInt64?) throws(BlockValidationError) {
        guard header.version == Header.currentVersion else { throw .version(expected: Header.currentVersion, got: header.version) }
        guard header.chainID == state.chainID else { throw .chainID(expected: state.chainID, got: header.chainID) }
        guard header.height == state.nextHeight else { throw .height(expected: state.nextHeight, got: header.height) }
        guard header.lastBlockID == state.lastBlockID else { throw .lastBlockID(expected: state.lastBlockID, got: header.lastBlockID) }
        guard header.appHash == state.appHash else { throw .appHash(expected: state.appHash, got: header.appHash) }
        let validatorsHash = state.validators.hash
        guard header.validatorsHash == validatorsHash else {
            throw .validatorsHash(expected: validatorsHash, got: header.validatorsHash)
        }
        let nextValidatorsHash = state.nextValidators.hash
        guard header.nextValidatorsHash == nextValidatorsHash else {
            throw .nextValidatorsHash(expected: nextValidatorsHash, got: header.nextValidatorsHash)
        }
        if let expectedProposer, header.proposerAddress != expectedProposer {
            throw .proposer(expected: expectedProposer, got: header.proposerAddress)
        }
        guard state.validators.contains(header.proposerAddress) else { throw .proposerNotValidator(header.proposerAddress) }
        guard header.timeMillis > state.lastBlockTimeMillis else {
            throw .timeNotAfterLastBlock(lastMillis: state.lastBlockTimeMillis, gotMillis: header.timeMillis)
        }
        if let nowMillis, header.timeMillis > nowMillis, header.timeMillis - nowMillis > clockDriftMillisMax {
            throw .timeTooFarAhead(nowMillis: nowMillis, gotMillis: header.timeMillis, driftMillisMax: clockDriftMillisMax)
        }
    }

    /// Each item passes the ledger's rules and appears once; the decoder's cap is checked again
    /// for blocks built in memory. Cheap checks first: a block with junk evidence is refused
    /// at its first bad item.
    func validateEvidence(_ evidence: [DuplicateVoteEvidence], height: Height, rules: EvidenceRules) throws(BlockValidationError) {
        guard evidence.count <= CodecLimits.evidencePerBlockMax else {
            throw .tooMuchEvidence(count: evidence.count, countMax: CodecLimits.evidencePerBlockMax)
        }
        guard Set(evidence).count == evidence.count else { throw .duplicateEvidence }
        for (index, item) in evidence.enumerated() {
            if let problem = rules.problem(item, includedAt: height) { throw .evidence(index: index, problem) }
        }
    }

    /// The last commit: for the last block, one entry per member of the last set, every
    /// signature valid, and the precommits for the block worth more than 2/3 of the power.
    func validateLastCommit(_ commit: Commit, state: ChainState,
                            verifiedPrecommits: Set<Vote> = []) async throws(BlockValidationError) {
        guard commit.blockID == state.lastBlockID else { throw .lastCommitBlockID(expected: state.lastBlockID, got: commit.blockID) }
        guard let lastValidators = state.lastValidators else { throw .body(.lastCommitPresence(height: state.nextHeight)) }
        guard commit.signatures.count == lastValidators.count else {
            throw .lastCommitSize(expected: lastValidators.count, got: commit.signatures.count)
        }
        let chainID = state.chainID
        let signed: [(index: Int, vote: Vote, key: PublicKey, power: Int64, forBlock: Bool)] =
            lastValidators.validators.enumerated().compactMap { index, validator in
                guard let vote = commit.vote(at: index, address: validator.address) else { return nil }
                return (index, vote, validator.publicKey, validator.votingPower, vote.blockID != nil)
            }
        let unchecked = signed.filter { !verifiedPrecommits.contains($0.vote) }
        let results = unchecked.isEmpty ? [] : await SignatureBatch.verify(unchecked) { entry in
            entry.key.verify(entry.vote.signature, message: entry.vote.signBytes(chainID: chainID))
        }
        for (entry, isValid) in zip(unchecked, results) where !isValid {
            throw .lastCommitSignature(index: entry.index)
        }
        let power = signed.reduce(Int64(0)) { $1.forBlock ? $0 + $1.power : $0 }
        guard lastValidators.hasTwoThirdsMajority(power) else {
            throw .lastCommitPower(signed: power, total: lastValidators.totalVotingPower)
        }
    }
}
