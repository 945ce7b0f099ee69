import RatifyCore
import RatifyStore

/// Makes the consecutive decided heights of a busy chain, as the node's driver would hand them
/// to the store: blocks of signed transfers among a fixed population of funded accounts, each
/// with a 4-validator commit, the ledger's state writes, the next validator set and the
/// transaction locations. Deterministic from its seed.
///
/// State writes follow RatifyLedger's layout (`LedgerState`): one key per touched account,
/// table tag 1 + the 20-byte address, value balance + nonce (16 bytes), written in key order,
/// plus the meta key (tag 5, 16 bytes). Keep the sizes in step with
/// Benchmarks/baseline/lmdb_baseline.c.
final class BenchChain {
    static let chainID = "ratify-bench"
    static let accountCount = 10_000
    static let validatorCount = 4

    private let accounts: [KeyPair]
    private let validators: [KeyPair]
    private let validatorSet: ValidatorSet
    private var balances: [UInt64]
    private var nonces: [UInt64]
    private var random: SplitMix64
    private var lastBlockID = BlockID(hash: Hash.sha256(Array("genesis".utf8)))
    private var lastCommit: Commit?
    /// The height the next call to `next` makes.
    private(set) var height: Height = BlockStore.heightFirst

    init(seed: UInt64 = 0x5eed) {
        accounts = (0..<Self.accountCount).map { Self.keyPair(tag: 1, index: $0) }
        validators = (0..<Self.validatorCount).map { Self.keyPair(tag: 2, index: $0) }
        do {
            validatorSet = try ValidatorSet(validators: validators.map { Validator(publicKey: $0.publicKey, votingPower: 10) })
        } catch {
            preconditionFailure("four distinct validators of power 10 form a valid set: \(error)")
        }
        balances = Array(repeating: 1_000_000_000, count: Self.accountCount)
        nonces = Array(repeating: 0, count: Self.accountCount)
        random = SplitMix64(seed: seed)
    }

    /// The first height: no transactions, and the state writes that create every account
    /// (what a genesis with `accountCount` funded accounts leaves in the store).
    func genesisBlock() -> DecidedBlock {
        precondition(height == BlockStore.heightFirst, "the genesis block is the first height")
        let writes = accounts.indices.map { accountWrite($0) } + [metaWrite()]
        return decide(transactions: [], stateWrites: writes.sorted { $0.key.lexicographicallyPrecedes($1.key) })
    }

    /// The next height: `transactionCount` transfers, each between two accounts drawn at random.
    func next(transactionCount: Int) -> DecidedBlock {
        var touched = Set<Int>()
        let transactions = (0..<transactionCount).map { _ -> Transaction in
            let sender = Int(random.next() % UInt64(Self.accountCount))
            let recipient = Int(random.next() % UInt64(Self.accountCount))
            let amount = 1 + random.next() % 1_000
            let transaction = Transaction.signed(
                chainID: Self.chainID, sender: accounts[sender], nonce: nonces[sender], fee: 1,
                payload: .transfer(to: accounts[recipient].publicKey.address, amount: amount))
            nonces[sender] += 1
            balances[sender] -= amount + 1
            balances[recipient] += amount
            touched.insert(sender)
            touched.insert(recipient)
            return transaction
        }
        let writes = touched.map { accountWrite($0) } + [metaWrite()]
        return decide(transactions: transactions, stateWrites: writes.sorted { $0.key.lexicographicallyPrecedes($1.key) })
    }

    private func decide(transactions: [Transaction], stateWrites: [StateWrite]) -> DecidedBlock {
        let appHash = Hash.sha256(stateWrites.flatMap { $0.key + ($0.value ?? []) })
        let block = Block.make(
            chainID: Self.chainID, height: height, timeMillis: 1_790_000_000_000 + height * 1_000, lastBlockID: lastBlockID,
            lastCommit: lastCommit, transactions: transactions, evidence: [], validatorsHash: validatorSet.hash,
            nextValidatorsHash: validatorSet.hash, appHash: appHash, proposerAddress: validators[0].publicKey.address)
        let signatures = validators.enumerated().map { index, key in
            let vote = Vote(type: .precommit, height: height, round: 0, blockID: block.id,
                            validatorAddress: key.publicKey.address, validatorIndex: UInt32(index))
            return CommitSig.commit(key.sign(vote.signBytes(chainID: Self.chainID)))
        }
        let commit = Commit(height: height, round: 0, blockID: block.id, signatures: signatures)
        let decided = DecidedBlock(
            block: block, commit: commit, stateWrites: stateWrites, appHash: appHash,
            validatorSets: [(height + 2, validatorSet)],
            transactions: transactions.enumerated().map { ($1.hash, $0, 0, "") })
        lastBlockID = block.id
        lastCommit = commit
        height += 1
        return decided
    }

    private func accountWrite(_ index: Int) -> StateWrite {
        var value = ByteWriter(capacity: 16)
        value.write(balances[index])
        value.write(nonces[index])
        return .set([1] + accounts[index].publicKey.address.bytes, value.bytes)
    }

    private func metaWrite() -> StateWrite {
        var value = ByteWriter(capacity: 16)
        value.write(height)
        value.write(UInt64(1))
        return .set([5], value.bytes)
    }

    private static func keyPair(tag: UInt8, index: Int) -> KeyPair {
        var seed = [UInt8](repeating: tag, count: 32)
        withUnsafeBytes(of: UInt64(index).bigEndian) { seed.replaceSubrange(24..<32, with: $0) }
        guard let pair = KeyPair(seed: seed) else { preconditionFailure("a 32-byte seed always gives a key pair") }
        return pair
    }
}
