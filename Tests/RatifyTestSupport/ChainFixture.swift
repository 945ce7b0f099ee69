import RatifyCore
import RatifyLedger
import RatifyNode

/// A small chain for node tests: four validators of equal power, funded users, fee minimum 1.
/// `commitBlock` proposes from a mempool, validates, executes and signs a commit with every
/// validator, the way the driver will.
public struct ChainFixture: Sendable {
    public static let chainID = "node-test"
    public static let genesisTimeMillis: UInt64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    public static func key(_ seed: UInt8) -> KeyPair {
        KeyPair(seed: [UInt8](repeating: seed, count: 32)) ?? KeyPair.generate()
    }
    public static let validatorKeys = (11...14).map { key(UInt8($0)) }
    public static let alice = key(1), bob = key(2), carol = key(3), dave = key(4)
    public static let users = [alice, bob, carol, dave]

    public static let parameters = LedgerParameters(chainID: chainID, powerUnit: 1_000, validatorsMax: 10, feeMin: 1)

    public static var genesis: Genesis {
        var genesis = Genesis(chainID: chainID, genesisTime: GenesisTime(unixSeconds: Int64(genesisTimeMillis / 1000)) ?? GenesisTime(unixSeconds: 0)!)
        genesis.validators = validatorKeys.enumerated().map { GenesisValidator(name: "v\($0.offset)", publicKey: $0.element.publicKey, stake: 10_000) }
        genesis.accounts = users.map { GenesisAccount(address: $0.publicKey.address, balance: 1_000_000) }
        genesis.staking.powerUnit = 1_000
        return genesis
    }

    public static var genesisLedger: Ledger {
        Ledger.genesis(parameters: parameters, accounts: genesis.accounts.map { ($0.address, $0.balance) },
                       validators: genesis.validators)
    }

    public var ledger = ChainFixture.genesisLedger
    public var state: ChainState
    public var blocks: [Block] = []
    public var commits: [Commit] = []
    public var results: [Ledger.BlockResult] = []
    public var nonces: [Address: UInt64] = [:]

    public init() throws {
        state = try ChainState.genesis(Self.genesis, ledger: Self.genesisLedger)
    }

    /// A signed transfer with the sender's next nonce (tracked here, not by the ledger).
    public mutating func transfer(_ sender: KeyPair, to: KeyPair = ChainFixture.dave, amount: UInt64 = 10, fee: UInt64 = 1,
                           nonce: UInt64? = nil) -> Transaction {
        let address = sender.publicKey.address
        let next = nonce ?? nonces[address, default: 0]
        nonces[address] = next + 1
        return Transaction.signed(chainID: Self.chainID, sender: sender, nonce: next, fee: fee,
                                  payload: .transfer(to: to.publicKey.address, amount: amount))
    }

    /// Precommits of every validator of `validators` for `block`.
    public static func commit(for block: Block, round: Round = 0, validators: ValidatorSet, absent: Set<Int> = []) -> Commit {
        let signBytes = Vote.signBytes(chainID: chainID, type: .precommit, height: block.height, round: round, blockID: block.id)
        let signatures: [CommitSig] = validators.validators.enumerated().map { index, validator in
            guard !absent.contains(index), let key = validatorKeys.first(where: { $0.publicKey == validator.publicKey }) else {
                return .absent
            }
            return .commit(key.sign(signBytes))
        }
        return Commit(height: block.height, round: round, blockID: block.id, signatures: signatures)
    }

    /// The proposal for the next height, time one second after the last block.
    public func proposal(reap: (Int, Int) -> [Transaction]) -> Block {
        BlockBuilder.proposal(state: state, proposer: state.proposer(round: 0).address,
                              timeMillis: state.lastBlockTimeMillis + 1_000, lastCommit: commits.last, reap: reap)
    }

    /// Proposes from `mempool`, validates, executes, commits and updates the mempool.
    @discardableResult
    public mutating func commitBlock(mempool: Mempool) async throws -> (block: Block, result: Ledger.BlockResult) {
        let block = proposal { mempool.reap(maxBytes: $0, maxCount: $1) }
        let validated = try await BlockValidator().validate(block, state: state, evidence: EvidenceRules(ledger: ledger),
                                                            alreadyVerified: mempool.verifiedHashes(in: block.transactions))
        let executed = try BlockExecutor.execute(validated.block, state: state, ledger: &ledger,
                                                 verifiedTransactions: validated.verifiedTransactions)
        commits.append(Self.commit(for: block, validators: state.validators))
        blocks.append(block)
        results.append(executed.result)
        state = executed.nextState
        mempool.update(committed: block.transactions, ledger: ledger)
        return (block, executed.result)
    }
}
