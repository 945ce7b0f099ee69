import RatifyCore

/// The application: executes decided blocks against `LedgerState`. Pure and deterministic:
/// no clock, no I/O, no randomness, no dictionary-order dependence, so every node that applies
/// the same blocks gets the same state and app hash (docs/LEDGER.md).
public struct Ledger: Sendable {
    public let parameters: LedgerParameters
    public internal(set) var state: LedgerState

    public init(parameters: LedgerParameters, state: LedgerState) {
        self.parameters = parameters
        self.state = state
    }

    /// The state at height 0: funded accounts, and each genesis validator registered with its
    /// stake self-bonded by the account of its own key.
    public static func genesis(parameters: LedgerParameters, accounts: [(address: Address, balance: UInt64)],
                               validators: [GenesisValidator]) -> Ledger {
        var state = LedgerState()
        for (address, balance) in accounts {
            var account = state.account(address)
            account.balance = saturatingSum(account.balance, balance)
            state.setAccount(address, account)
        }
        for validator in validators {
            let operatorAddress = validator.publicKey.address
            state.setValidator(ValidatorRecord(publicKey: validator.publicKey, name: validator.name,
                                               operatorAddress: operatorAddress, bondedTotal: validator.stake))
            state.setDelegation(DelegationKey(delegator: operatorAddress, validator: validator.publicKey), validator.stake)
        }
        state.setHeight(0)
        return Ledger(parameters: parameters, state: state)
    }

    /// The state a validated genesis file describes.
    public static func genesis(_ genesis: Genesis) -> Ledger {
        Ledger.genesis(parameters: LedgerParameters(genesis: genesis),
                       accounts: genesis.accounts.map { ($0.address, $0.balance) }, validators: genesis.validators)
    }

    // MARK: Validator set

    /// Voting power of a validator: bonded stake in power units, zero while jailed.
    public func votingPower(of record: ValidatorRecord) -> Int64 {
        guard !record.isJailed else { return 0 }
        return Int64(clamping: record.bondedTotal / parameters.powerUnit)
    }

    /// The validator set this state selects: the `validatorsMax` highest powers (ties to the
    /// lower address), jailed and zero-power validators excluded. Decided after block H, it
    /// takes effect at H+2.
    public func activeValidators() -> [Validator] {
        let candidates = state.validators.values
            .map { (record: $0, power: votingPower(of: $0)) }
            .filter { $0.power > 0 }
            .sorted { ($0.power, $1.record.address) > ($1.power, $0.record.address) }
        return candidates.prefix(parameters.validatorsMax).map { Validator(publicKey: $0.record.publicKey, votingPower: $0.power) }
    }

    /// The updates that turn `current` into `activeValidators()`.
    public func validatorUpdates(from current: [Validator]) -> [ValidatorUpdate] {
        let target = activeValidators()
        let targetPower = Dictionary(target.map { ($0.address, $0.votingPower) }, uniquingKeysWith: { first, _ in first })
        var updates: [ValidatorUpdate] = []
        for validator in current where targetPower[validator.address] == nil {
            updates.append(.removal(of: validator.address))
        }
        let currentPower = Dictionary(current.map { ($0.address, $0.votingPower) }, uniquingKeysWith: { first, _ in first })
        for validator in target where currentPower[validator.address] != validator.votingPower {
            updates.append(ValidatorUpdate(publicKey: validator.publicKey, votingPower: validator.votingPower))
        }
        return updates.sorted { $0.address < $1.address }
    }

    // MARK: Transactions

    /// Checks that a transaction could be included now: the envelope (chain, signature, nonce,
    /// fee) and, on a scratch copy, its payload. Changes nothing. The mempool calls this.
    public func check(_ transaction: Transaction, signatureVerified: Bool) -> TransactionError? {
        var scratch = self
        return scratch.deliver(transaction, signatureVerified: signatureVerified, proposer: nil)
    }

    /// Applies one transaction outside a block, as a proposer does on a scratch copy to pick
    /// transactions that are valid in sequence. Fees go nowhere. Returns nil on success.
    public mutating func apply(_ transaction: Transaction, signatureVerified: Bool) -> TransactionError? {
        deliver(transaction, signatureVerified: signatureVerified, proposer: nil)
    }

    /// Applies one transaction. Envelope errors change nothing; payload errors charge the fee
    /// and advance the nonce only. Returns nil on success.
    mutating func deliver(_ transaction: Transaction, signatureVerified: Bool, proposer: Address?) -> TransactionError? {
        guard transaction.chainID == parameters.chainID else {
            return .wrongChain(expected: parameters.chainID, got: transaction.chainID)
        }
        guard signatureVerified || transaction.verifySignature() else { return .badSignature }
        let senderAddress = transaction.senderAddress
        var sender = state.account(senderAddress)
        guard transaction.nonce == sender.nonce else { return .badNonce(expected: sender.nonce, got: transaction.nonce) }
        guard transaction.fee >= parameters.feeMin else { return .feeTooLow(minimum: parameters.feeMin, got: transaction.fee) }
        guard sender.balance >= transaction.fee else { return .cannotPayFee(balance: sender.balance, fee: transaction.fee) }
        let (nextNonce, nonceOverflow) = sender.nonce.addingReportingOverflow(1)
        guard !nonceOverflow else { return .nonceExhausted }

        // The fee and nonce are settled first and stay settled whatever the payload does.
        sender.balance -= transaction.fee
        sender.nonce = nextNonce
        state.setAccount(senderAddress, sender)
        if let proposer, transaction.fee > 0 { credit(proposer, transaction.fee) }

        return Self.apply(transaction.payload, sender: transaction.sender, fee: transaction.fee,
                          parameters: parameters, state: &state)
    }

    mutating func credit(_ address: Address, _ amount: UInt64) {
        var account = state.account(address)
        account.balance = Self.saturatingSum(account.balance, amount)
        state.setAccount(address, account)
    }

    /// `a + b`, or `UInt64.max` when that overflows: a release or jail height beyond the last
    /// height never comes, and a balance cannot exceed the total supply, itself a UInt64.
    static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? UInt64.max : sum
    }

    /// The payload's effect on `state`. Every case makes all its checks before its first write,
    /// so an error leaves `state` exactly as it was (no copy of the state is needed to roll back).
    static func apply(_ payload: TransactionPayload, sender: PublicKey, fee: UInt64,
                      parameters: LedgerParameters, state: inout LedgerState) -> TransactionError? {
        let senderAddress = sender.address
        switch payload {
        case .transfer(let to, let amount):
            guard amount > 0 else { return .zeroAmount }
            var from = state.account(senderAddress)
            guard from.balance >= amount else { return .insufficientBalance(have: from.balance + fee, need: amount, fee: fee) }
            if to == senderAddress { return nil }
            var recipient = state.account(to)
            guard !recipient.balance.addingReportingOverflow(amount).overflow else { return .overflow }
            from.balance -= amount
            recipient.balance += amount
            state.setAccount(senderAddress, from)
            state.setAccount(to, recipient)
            return nil

        case .stake(let validatorKey, let amount, let name):
            guard amount > 0 else { return .zeroAmount }
            var record: ValidatorRecord
            if let existing = state.validators[validatorKey] {
                guard name.isEmpty else { return .nameOnlyWhenRegistering }
                guard !existing.tombstoned else { return .validatorTombstoned(validatorKey) }
                record = existing
            } else {
                // Only the key's owner can register it: a self-stake signed by that key.
                guard validatorKey == sender else { return .unknownValidator(validatorKey) }
                guard Self.isValidName(name) else { return .invalidName(name) }
                record = ValidatorRecord(publicKey: validatorKey, name: name, operatorAddress: senderAddress)
            }
            var account = state.account(senderAddress)
            guard account.balance >= amount else { return .insufficientBalance(have: account.balance + fee, need: amount, fee: fee) }
            let (bondedTotal, totalOverflow) = record.bondedTotal.addingReportingOverflow(amount)
            let (delegation, delegationOverflow) = state.delegation(senderAddress, validatorKey).addingReportingOverflow(amount)
            guard !totalOverflow, !delegationOverflow else { return .overflow }
            let power = bondedTotal / parameters.powerUnit
            guard power <= parameters.votingPowerPerValidatorMax else {
                return .votingPowerTooLarge(power: power, max: parameters.votingPowerPerValidatorMax)
            }
            account.balance -= amount
            state.setAccount(senderAddress, account)
            record.bondedTotal = bondedTotal
            state.setValidator(record)
            state.setDelegation(DelegationKey(delegator: senderAddress, validator: validatorKey), delegation)
            return nil

        case .unstake(let validatorKey, let amount):
            guard amount > 0 else { return .zeroAmount }
            guard var record = state.validators[validatorKey] else { return .unknownValidator(validatorKey) }
            let bonded = state.delegation(senderAddress, validatorKey)
            guard bonded >= amount else { return .insufficientStake(have: bonded, need: amount) }
            let (nextUnbondingID, idOverflow) = state.nextUnbondingID.addingReportingOverflow(1)
            guard !idOverflow else { return .overflow }
            state.setDelegation(DelegationKey(delegator: senderAddress, validator: validatorKey), bonded - amount)
            record.bondedTotal -= min(amount, record.bondedTotal)
            state.setValidator(record)
            let entry = UnbondingEntry(id: state.nextUnbondingID, delegator: senderAddress, validator: validatorKey, amount: amount,
                                       creationHeight: state.height,
                                       releaseHeight: Self.saturatingSum(state.height, parameters.unbondingBlocks))
            state.nextUnbondingID = nextUnbondingID
            state.addUnbonding(entry)
            return nil

        case .unjail(let validatorKey):
            guard var record = state.validators[validatorKey] else { return .unknownValidator(validatorKey) }
            guard record.operatorAddress == senderAddress else { return .notOperator(validator: validatorKey) }
            guard !record.tombstoned else { return .validatorTombstoned(validatorKey) }
            guard let until = record.jailedUntil else { return .notJailed(validatorKey) }
            guard state.height >= until else { return .jailPeriodNotOver(until: until) }
            let selfStake = state.delegation(senderAddress, validatorKey)
            guard selfStake >= parameters.powerUnit else { return .selfStakeBelowPowerUnit(have: selfStake, need: parameters.powerUnit) }
            record.jailedUntil = nil
            state.setValidator(record)
            return nil

        case .evidence(let evidence):
            return applyEvidence(evidence, parameters: parameters, state: &state)

        case .ffgEvidence(let evidence):
            return applyFFGEvidence(evidence, parameters: parameters, state: &state)
        }
    }

    /// A validator name: 1-64 bytes of UTF-8 without control characters (C0 and DEL).
    public static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        return !utf8.isEmpty && utf8.count <= CodecLimits.nameBytesMax
            && utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f }
    }

    // MARK: Evidence and slashing

    /// Verifies double-vote evidence against the validator's key and slashes, jails and
    /// tombstones it. Tombstoning also makes the same evidence unusable twice.
    static func applyEvidence(_ evidence: DuplicateVoteEvidence, parameters: LedgerParameters,
                              state: inout LedgerState) -> TransactionError? {
        guard let record = state.validator(address: evidence.validatorAddress) else {
            return .invalidEvidence("no validator has address \(evidence.validatorAddress.hex)")
        }
        guard evidence.height <= state.height else { return .invalidEvidence("height \(evidence.height) is in the future") }
        if let tooOld = checkAge(infractionHeight: evidence.height, parameters: parameters, state: state) { return tooOld }
        for vote in [evidence.voteA, evidence.voteB] {
            guard record.publicKey.verify(vote.signature, message: vote.signBytes(chainID: parameters.chainID)) else {
                return .invalidEvidence("a vote's signature does not verify with the validator's key")
            }
        }
        return punishDoubleSign(record, infractionHeight: evidence.height, parameters: parameters, state: &state)
    }

    /// Verifies Casper FFG evidence (a double or surround checkpoint vote, docs/POW.md) and
    /// punishes it as a double sign. The infraction is dated at the later target checkpoint's
    /// height (`epoch × epoch_length`), capped at the current height: a vote for a future
    /// checkpoint is as slashable as any other, and is recent.
    static func applyFFGEvidence(_ evidence: FFGSlashingEvidence, parameters: LedgerParameters,
                                 state: inout LedgerState) -> TransactionError? {
        guard let record = state.validator(address: evidence.validatorAddress) else {
            return .invalidEvidence("no validator has address \(evidence.validatorAddress.hex)")
        }
        let targetHeight = Checkpoint.height(ofEpoch: evidence.targetEpochMax,
                                             epochLengthBlocks: parameters.checkpointEpochLengthBlocks) ?? Height.max
        let infractionHeight = min(targetHeight, state.height)
        if let tooOld = checkAge(infractionHeight: infractionHeight, parameters: parameters, state: state) { return tooOld }
        guard evidence.verifySignatures(chainID: parameters.chainID, key: record.publicKey) else {
            return .invalidEvidence("a checkpoint vote's signature does not verify with the validator's key")
        }
        return punishDoubleSign(record, infractionHeight: infractionHeight, parameters: parameters, state: &state)
    }

    private static func checkAge(infractionHeight: Height, parameters: LedgerParameters, state: LedgerState) -> TransactionError? {
        let oldestAllowed = state.height > parameters.evidenceAgeBlocksMax ? state.height - parameters.evidenceAgeBlocksMax : 0
        return infractionHeight >= oldestAllowed ? nil : .evidenceTooOld(height: infractionHeight, oldestAllowed: oldestAllowed)
    }

    /// Slashes `slashFractionDoubleSign`, jails and tombstones a verified double signer.
    private static func punishDoubleSign(_ record: ValidatorRecord, infractionHeight: Height, parameters: LedgerParameters,
                                         state: inout LedgerState) -> TransactionError? {
        guard !record.tombstoned else { return .validatorTombstoned(record.publicKey) }
        var record = record
        slash(&record, fraction: parameters.slashFractionDoubleSign, infractionHeight: infractionHeight, state: &state)
        record.tombstoned = true
        record.jailedUntil = Height.max
        state.setValidator(record)
        return nil
    }

    /// Burns `fraction` of every delegation to the validator and of its unbonding entries created at
    /// or after the infraction (tokens that were bonded when it misbehaved).
    static func slash(_ record: inout ValidatorRecord, fraction: PartsPerMillion, infractionHeight: Height, state: inout LedgerState) {
        let delegations = state.delegations.filter { $0.key.validator == record.publicKey }.sorted { $0.key < $1.key }
        var bondedTotal: UInt64 = 0
        for (key, amount) in delegations {
            let remaining = amount - fraction.apply(to: amount)
            state.setDelegation(key, remaining)
            bondedTotal = saturatingSum(bondedTotal, remaining)
        }
        record.bondedTotal = bondedTotal
        for index in state.unbonding.indices.reversed() {
            var entry = state.unbonding[index]
            guard entry.validator == record.publicKey, entry.creationHeight >= infractionHeight else { continue }
            entry.amount -= fraction.apply(to: entry.amount)
            state.replaceUnbonding(at: index, with: entry)
        }
        state.setValidator(record)
    }

    /// Records who signed the last commit in the block at `timeMillis` (its header time), and
    /// jails validators that signed less than `minSignedPerWindow` of the blocks of the last
    /// `downtimeWindowMillis` of block time, once they have been tracked that long.
    mutating func trackDowntime(_ participation: [(address: Address, signed: Bool)], timeMillis: UInt64) {
        let window = parameters.downtimeWindowMillis
        for (address, signed) in participation {
            guard var record = state.validator(address: address), !record.isJailed else { continue }
            record.downtime.record(signed: signed, atMillis: timeMillis, windowMillis: window)
            if record.downtime.signedTooFew(atMillis: timeMillis, windowMillis: window, minSigned: parameters.minSignedPerWindow) {
                Self.slash(&record, fraction: parameters.slashFractionDowntime, infractionHeight: state.height, state: &state)
                record.jailedUntil = Self.saturatingSum(state.height, parameters.jailBlocks)
                // Back from jail, it is judged on a whole new window.
                record.downtime = DowntimeWindow()
            }
            state.setValidator(record)
        }
    }

    // MARK: Blocks

    /// What a block did: one result per transaction and per evidence item, and the state's
    /// app hash and validator set afterwards.
    public struct BlockResult: Sendable {
        public var transactionErrors: [TransactionError?]
        public var evidenceErrors: [TransactionError?]
        public var appHash: Hash
        public var validators: [Validator]
    }

    /// Applies the decided block at `height`, whose header time is `timeMillis`.
    /// - Parameters:
    ///   - lastCommitParticipation: for each validator of height-1's set, whether its precommit
    ///     is in the block's last commit (empty at height 1).
    ///   - verifiedTransactions: hashes of transactions whose signatures this node already
    ///     verified (at mempool admission); they are not verified again.
    public mutating func execute(height: Height, timeMillis: UInt64, proposer: Address, transactions: [Transaction],
                                 evidence: [DuplicateVoteEvidence], lastCommitParticipation: [(address: Address, signed: Bool)],
                                 verifiedTransactions: Set<Hash> = []) -> BlockResult {
        precondition(height == state.height + 1, "blocks are applied in order: at \(state.height), got \(height)")
        state.setHeight(height)
        releaseUnbonding(upTo: height)
        trackDowntime(lastCommitParticipation, timeMillis: timeMillis)
        let evidenceErrors = evidence.map { Self.applyEvidence($0, parameters: parameters, state: &state) }
        let proposerOperator = state.validator(address: proposer)?.operatorAddress
        let transactionErrors = transactions.map { transaction in
            deliver(transaction, signatureVerified: verifiedTransactions.contains(transaction.hash), proposer: proposerOperator)
        }
        return BlockResult(transactionErrors: transactionErrors, evidenceErrors: evidenceErrors,
                           appHash: state.updateAppHash(), validators: activeValidators())
    }

    mutating func releaseUnbonding(upTo height: Height) {
        while let first = state.unbonding.first, first.releaseHeight <= height {
            state.replaceUnbonding(at: 0, with: nil)
            credit(first.delegator, first.amount)
        }
    }

    /// The key-value pairs changed since the last call, for the store's atomic block commit.
    public mutating func takeWrites() -> [(key: [UInt8], value: [UInt8]?)] {
        state.takeWrites()
    }
}
