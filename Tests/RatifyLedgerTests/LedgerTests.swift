import Testing
import RatifyCore
@testable import RatifyLedger

/// A small chain: two genesis validators with 10 power units each, and two funded users.
struct LedgerFixture {
    static let chainID = "ledger-test"
    static let parameters = LedgerParameters(chainID: chainID, powerUnit: 1_000, validatorsMax: 3, unbondingBlocks: 5,
                                             slashFractionDoubleSign: PartsPerMillion(clamping: 50_000),
                                             slashFractionDowntime: PartsPerMillion(clamping: 10_000),
                                             downtimeWindowMillis: 10_000, minSignedPerWindow: PartsPerMillion(clamping: 500_000), jailBlocks: 4,
                                             evidenceAgeBlocksMax: 20, feeMin: 1)
    static func key(_ byte: UInt8) -> KeyPair {
        KeyPair(seed: [UInt8](repeating: byte, count: 32)) ?? KeyPair.generate()
    }
    static let validatorA = key(1), validatorB = key(2), alice = key(3), bob = key(4), carol = key(5)

    var ledger = Ledger.genesis(
        parameters: parameters,
        accounts: [(alice.publicKey.address, 100_000), (bob.publicKey.address, 120), (validatorA.publicKey.address, 50_000)],
        validators: [.init(name: "a", publicKey: validatorA.publicKey, stake: 10_000),
                     .init(name: "b", publicKey: validatorB.publicKey, stake: 10_000)])
    var nonces: [Address: UInt64] = [:]
    /// Block time between blocks: with the 10-s window, ten blocks to a window.
    var blockIntervalMillis: UInt64 = 1_000
    var timeMillis: UInt64 = 0

    mutating func transaction(_ sender: KeyPair, _ payload: TransactionPayload, fee: UInt64 = 1) -> Transaction {
        let nonce = nonces[sender.publicKey.address, default: 0]
        nonces[sender.publicKey.address] = nonce + 1
        return Transaction.signed(chainID: Self.chainID, sender: sender, nonce: nonce, fee: fee, payload: payload)
    }

    /// Applies one block proposed by validator A with everyone in the last commit signing.
    @discardableResult
    mutating func block(_ transactions: [Transaction], evidence: [DuplicateVoteEvidence] = [],
                        absent: Set<Address> = []) -> Ledger.BlockResult {
        let participation = ledger.activeValidators().map { (address: $0.address, signed: !absent.contains($0.address)) }
        timeMillis += blockIntervalMillis
        return ledger.execute(height: ledger.state.height + 1, timeMillis: timeMillis, proposer: Self.validatorA.publicKey.address,
                              transactions: transactions, evidence: evidence, lastCommitParticipation: participation)
    }

    mutating func emptyBlocks(_ count: Int, absent: Set<Address> = []) {
        for _ in 0..<count { block([], absent: absent) }
    }

    func balance(_ key: KeyPair) -> UInt64 { ledger.state.account(key.publicKey.address).balance }
    func power(_ key: KeyPair) -> Int64? { ledger.activeValidators().first { $0.publicKey == key.publicKey }?.votingPower }
}

@Suite("ledger: transfers and fees")
struct TransferTests {
    @Test("a transfer moves the amount, charges the fee to the proposer's operator and advances the nonce")
    func transfer() {
        var chain = LedgerFixture()
        let tx = chain.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.bob.publicKey.address, amount: 500), fee: 2)
        let result = chain.block([tx])
        #expect(result.transactionErrors == [nil])
        #expect(chain.balance(LedgerFixture.alice) == 100_000 - 502)
        #expect(chain.balance(LedgerFixture.bob) == 620)
        #expect(chain.balance(LedgerFixture.validatorA) == 50_002)
        #expect(chain.ledger.state.account(LedgerFixture.alice.publicKey.address).nonce == 1)
    }

    @Test("envelope errors change nothing, not even the nonce")
    func envelopeErrors() {
        var chain = LedgerFixture()
        let before = chain.ledger.state
        let alice = LedgerFixture.alice, bob = LedgerFixture.bob.publicKey.address
        var wrongChain = Transaction.signed(chainID: "other", sender: alice, nonce: 0, fee: 1, payload: .transfer(to: bob, amount: 1))
        var forged = Transaction.signed(chainID: LedgerFixture.chainID, sender: alice, nonce: 0, fee: 1, payload: .transfer(to: bob, amount: 1))
        forged.payload = .transfer(to: bob, amount: 90_000)
        let future = Transaction.signed(chainID: LedgerFixture.chainID, sender: alice, nonce: 5, fee: 1, payload: .transfer(to: bob, amount: 1))
        let noFee = Transaction.signed(chainID: LedgerFixture.chainID, sender: alice, nonce: 0, fee: 0, payload: .transfer(to: bob, amount: 1))
        let broke = Transaction.signed(chainID: LedgerFixture.chainID, sender: LedgerFixture.carol, nonce: 0, fee: 1,
                                       payload: .transfer(to: bob, amount: 1))
        wrongChain.nonce = 0
        let result = chain.block([wrongChain, forged, future, noFee, broke])
        #expect(result.transactionErrors == [
            .wrongChain(expected: LedgerFixture.chainID, got: "other"), .badSignature,
            .badNonce(expected: 0, got: 5), .feeTooLow(minimum: 1, got: 0), .cannotPayFee(balance: 0, fee: 1),
        ])
        #expect(chain.ledger.state.accounts == before.accounts)
    }

    @Test("a replayed transaction is rejected by its nonce")
    func replay() {
        var chain = LedgerFixture()
        let tx = chain.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.bob.publicKey.address, amount: 10))
        chain.block([tx])
        let result = chain.block([tx])
        #expect(result.transactionErrors == [.badNonce(expected: 1, got: 0)])
        #expect(chain.balance(LedgerFixture.bob) == 130)
    }

    @Test("a payload failure charges the fee and advances the nonce only, with a readable error")
    func payloadFailure() {
        var chain = LedgerFixture()
        let tx = chain.transaction(LedgerFixture.bob, .transfer(to: LedgerFixture.alice.publicKey.address, amount: 500))
        let result = chain.block([tx])
        let error = result.transactionErrors.first ?? nil
        #expect(error == .insufficientBalance(have: 120, need: 500, fee: 1))
        #expect(error?.description == "insufficient balance: have 120, need 500 + fee 1")
        #expect(error?.isEnvelopeError == false)
        #expect(chain.balance(LedgerFixture.bob) == 119)
        #expect(chain.balance(LedgerFixture.alice) == 100_000)
        #expect(chain.ledger.state.account(LedgerFixture.bob.publicKey.address).nonce == 1)
    }

    @Test("check() predicts a transaction's outcome without changing the state")
    func check() {
        let chain = LedgerFixture()
        let tx = Transaction.signed(chainID: LedgerFixture.chainID, sender: LedgerFixture.bob, nonce: 0, fee: 1,
                                    payload: .transfer(to: LedgerFixture.alice.publicKey.address, amount: 119))
        #expect(chain.ledger.check(tx, signatureVerified: false) == nil)
        let tooMuch = Transaction.signed(chainID: LedgerFixture.chainID, sender: LedgerFixture.bob, nonce: 0, fee: 1,
                                         payload: .transfer(to: LedgerFixture.alice.publicKey.address, amount: 120))
        #expect(chain.ledger.check(tooMuch, signatureVerified: false) == .insufficientBalance(have: 120, need: 120, fee: 1))
        #expect(chain.balance(LedgerFixture.bob) == 120)
    }
}

@Suite("ledger: staking")
struct StakingTests {
    @Test("a first self-stake registers a validator that joins the set with power = stake / power unit")
    func register() {
        var chain = LedgerFixture()
        let before = chain.ledger.activeValidators()
        let alice = LedgerFixture.alice
        let result = chain.block([chain.transaction(alice, .stake(validator: alice.publicKey, amount: 25_500, name: "alice"))])
        #expect(result.transactionErrors == [nil])
        #expect(chain.power(alice) == 25)
        #expect(result.validators.first?.publicKey == alice.publicKey)
        let updates = chain.ledger.validatorUpdates(from: before)
        #expect(updates == [ValidatorUpdate(publicKey: alice.publicKey, votingPower: 25)])
        #expect(chain.ledger.state.validators[alice.publicKey]?.name == "alice")
    }

    @Test("only the key's owner can register it, and names are given only when registering")
    func registrationRules() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, carol = LedgerFixture.carol
        let result = chain.block([
            chain.transaction(alice, .stake(validator: carol.publicKey, amount: 5_000, name: "carol")),
            chain.transaction(alice, .stake(validator: LedgerFixture.validatorA.publicKey, amount: 5_000, name: "rename")),
            chain.transaction(alice, .stake(validator: alice.publicKey, amount: 5_000, name: "")),
            chain.transaction(alice, .stake(validator: LedgerFixture.validatorA.publicKey, amount: 0, name: "")),
        ])
        #expect(result.transactionErrors == [.unknownValidator(carol.publicKey), .nameOnlyWhenRegistering, .invalidName(""), .zeroAmount])
        #expect(chain.balance(alice) == 100_000 - 4)
    }

    @Test("delegated stake adds power; unstake starts unbonding and the tokens return after the unbonding period")
    func unbonding() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, validatorB = LedgerFixture.validatorB.publicKey
        chain.block([chain.transaction(alice, .stake(validator: validatorB, amount: 5_000, name: ""))])
        #expect(chain.power(LedgerFixture.validatorB) == 15)
        chain.block([chain.transaction(alice, .unstake(validator: validatorB, amount: 6_000))])
        #expect(chain.ledger.state.unbonding.isEmpty)
        let unstakeHeight = chain.ledger.state.height + 1
        let result = chain.block([chain.transaction(alice, .unstake(validator: validatorB, amount: 5_000))])
        #expect(result.transactionErrors == [nil])
        #expect(chain.power(LedgerFixture.validatorB) == 10)
        #expect(chain.ledger.state.unbonding.first?.releaseHeight == unstakeHeight + 5)
        let balanceWhileUnbonding = chain.balance(alice)
        while chain.ledger.state.height < unstakeHeight + 4 { chain.emptyBlocks(1) }
        #expect(chain.balance(alice) == balanceWhileUnbonding)
        chain.emptyBlocks(1)
        #expect(chain.balance(alice) == balanceWhileUnbonding + 5_000)
        #expect(chain.ledger.state.unbonding.isEmpty)
    }

    @Test("a validator whose stake falls below one power unit leaves the set")
    func leaveSet() {
        var chain = LedgerFixture()
        let validatorB = LedgerFixture.validatorB
        chain.nonces[validatorB.publicKey.address] = 0
        // B has no balance to pay fees: fund it first.
        chain.block([chain.transaction(LedgerFixture.alice, .transfer(to: validatorB.publicKey.address, amount: 10))])
        let before = chain.ledger.activeValidators()
        chain.block([chain.transaction(validatorB, .unstake(validator: validatorB.publicKey, amount: 9_500))])
        #expect(chain.power(validatorB) == nil)
        #expect(chain.ledger.validatorUpdates(from: before) == [.removal(of: validatorB.publicKey.address)])
    }

    @Test("the set keeps the top validatorsMax by power, ties to the lower address")
    func topByPower() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, carolKey = LedgerFixture.carol
        chain.block([chain.transaction(alice, .transfer(to: carolKey.publicKey.address, amount: 20_000))])
        chain.block([
            chain.transaction(alice, .stake(validator: alice.publicKey, amount: 10_000, name: "alice")),
            chain.transaction(carolKey, .stake(validator: carolKey.publicKey, amount: 10_000, name: "carol")),
        ])
        let active = chain.ledger.activeValidators()
        #expect(active.count == 3)
        let tied = [LedgerFixture.validatorA, LedgerFixture.validatorB, alice, carolKey].map(\.publicKey.address).sorted()
        #expect(active.map(\.address) == Array(tied.prefix(3)))
    }
}

@Suite("ledger: slashing")
struct SlashingTests {
    static func doubleVote(_ key: KeyPair, height: Height) -> DuplicateVoteEvidence? {
        func vote(_ blockID: BlockID?) -> Vote {
            var vote = Vote(type: .precommit, height: height, round: 0, blockID: blockID,
                            validatorAddress: key.publicKey.address, validatorIndex: 0)
            vote.signature = key.sign(vote.signBytes(chainID: LedgerFixture.chainID))
            return vote
        }
        return try? DuplicateVoteEvidence(vote(BlockID(hash: Hash.sha256([1]))), vote(BlockID(hash: Hash.sha256([2]))))
    }

    @Test("double-vote evidence slashes bonded and later-unbonding stake, jails and tombstones")
    func doubleSign() throws {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, validatorB = LedgerFixture.validatorB.publicKey
        chain.block([chain.transaction(alice, .stake(validator: validatorB, amount: 4_000, name: ""))])
        chain.emptyBlocks(2)
        let evidence = try #require(Self.doubleVote(LedgerFixture.validatorB, height: 2))
        chain.block([chain.transaction(alice, .unstake(validator: validatorB, amount: 2_000))])
        let result = chain.block([], evidence: [evidence])
        #expect(result.evidenceErrors == [nil])
        let record = try #require(chain.ledger.state.validators[validatorB])
        #expect(record.tombstoned)
        #expect(record.isJailed)
        // 5% of 10,000 self-stake and of alice's remaining 2,000; her 2,000 unbonding since height 4 too.
        #expect(chain.ledger.state.delegation(LedgerFixture.validatorB.publicKey.address, validatorB) == 9_500)
        #expect(chain.ledger.state.delegation(alice.publicKey.address, validatorB) == 1_900)
        #expect(chain.ledger.state.unbonding.first?.amount == 1_900)
        #expect(record.bondedTotal == 11_400)
        #expect(chain.power(LedgerFixture.validatorB) == nil)

        // The same evidence again, as a transaction: the validator is already tombstoned.
        let again = chain.block([chain.transaction(alice, .evidence(evidence))])
        #expect(again.transactionErrors == [.validatorTombstoned(validatorB)])
        // Staking to a tombstoned validator is refused.
        let stake = chain.block([chain.transaction(alice, .stake(validator: validatorB, amount: 1_000, name: ""))])
        #expect(stake.transactionErrors == [.validatorTombstoned(validatorB)])
    }

    @Test("evidence that is too old, from the future, or badly signed is rejected")
    func badEvidence() throws {
        var chain = LedgerFixture()
        chain.emptyBlocks(25)
        let old = try #require(Self.doubleVote(LedgerFixture.validatorA, height: 2))
        let future = try #require(Self.doubleVote(LedgerFixture.validatorA, height: 99))
        let foreign = try #require(Self.doubleVote(LedgerFixture.carol, height: 20))
        let alice = LedgerFixture.alice
        let result = chain.block([chain.transaction(alice, .evidence(old)), chain.transaction(alice, .evidence(future)),
                                  chain.transaction(alice, .evidence(foreign))])
        #expect(result.transactionErrors[0] == .evidenceTooOld(height: 2, oldestAllowed: 6))
        #expect(result.transactionErrors[1] == .invalidEvidence("height 99 is in the future"))
        #expect(result.transactionErrors[2] == .invalidEvidence("no validator has address \(LedgerFixture.carol.publicKey.address.hex)"))
        #expect(chain.power(LedgerFixture.validatorA) == 10)
    }

    @Test("missing too many precommits in the window jails and slashes; unjail works only after the jail period")
    func downtime() {
        var chain = LedgerFixture()
        let validatorB = LedgerFixture.validatorB
        chain.block([chain.transaction(LedgerFixture.alice, .transfer(to: validatorB.publicKey.address, amount: 100))])
        // The window is 10 s of block time, ten blocks here; half must be signed: 6 misses in
        // 10 jail it.
        chain.emptyBlocks(4)
        chain.emptyBlocks(5, absent: [validatorB.publicKey.address])
        #expect(chain.power(validatorB) == 10)
        chain.emptyBlocks(1, absent: [validatorB.publicKey.address])
        #expect(chain.power(validatorB) == nil)
        let record = chain.ledger.state.validators[validatorB.publicKey]
        #expect(record?.bondedTotal == 9_900)
        let jailedUntil = record?.jailedUntil ?? 0
        #expect(jailedUntil == chain.ledger.state.height + 4)
        let early = chain.block([chain.transaction(validatorB, .unjail(validator: validatorB.publicKey))])
        #expect(early.transactionErrors == [.jailPeriodNotOver(until: jailedUntil)])
        let other = chain.block([chain.transaction(LedgerFixture.alice, .unjail(validator: validatorB.publicKey))])
        #expect(other.transactionErrors == [.notOperator(validator: validatorB.publicKey)])
        chain.emptyBlocks(2)
        let unjail = chain.block([chain.transaction(validatorB, .unjail(validator: validatorB.publicKey))])
        #expect(unjail.transactionErrors == [nil])
        #expect(chain.power(validatorB) == 9)
    }
}

@Suite("ledger: determinism and persistence")
struct DeterminismTests {
    @Test("the same blocks give the same app hash, and every change moves it")
    func sameBlocksSameHash() {
        var first = LedgerFixture(), second = LedgerFixture()
        var hashes: Set<Hash> = []
        for round in 0..<5 {
            let amount = UInt64(round + 1) * 10
            let a = first.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.carol.publicKey.address, amount: amount))
            let b = second.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.carol.publicKey.address, amount: amount))
            let resultA = first.block([a]), resultB = second.block([b])
            #expect(resultA.appHash == resultB.appHash)
            hashes.insert(resultA.appHash)
        }
        #expect(hashes.count == 5)
    }

    @Test("state reloaded from its key-value pairs is identical and hashes the same")
    func reload() throws {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice
        chain.block([chain.transaction(alice, .stake(validator: alice.publicKey, amount: 3_000, name: "alice")),
                     chain.transaction(alice, .unstake(validator: alice.publicKey, amount: 1_000))])
        let reloaded = try LedgerState.load(from: chain.ledger.state.keyValues())
        #expect(reloaded == chain.ledger.state)
        #expect(reloaded.appHash == chain.ledger.state.appHash)
    }

    @Test("the writes taken after each block rebuild exactly the state's key-value pairs")
    func writesReplay() {
        var chain = LedgerFixture()
        var stored: [[UInt8]: [UInt8]] = [:]
        func drain() {
            for (key, value) in chain.ledger.takeWrites() { stored[key] = value }
        }
        drain()
        let alice = LedgerFixture.alice
        chain.block([chain.transaction(alice, .stake(validator: alice.publicKey, amount: 3_000, name: "alice"))])
        drain()
        chain.block([chain.transaction(alice, .unstake(validator: alice.publicKey, amount: 3_000))])
        drain()
        chain.emptyBlocks(6)
        drain()
        let expected = Dictionary(uniqueKeysWithValues: chain.ledger.state.keyValues().map { ($0.key, $0.value) })
        #expect(stored == expected)
    }

    @Test("the app hash kept between blocks equals the one computed from scratch, through every kind of change")
    func incrementalAppHash() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, bob = LedgerFixture.bob
        func check(_ result: Ledger.BlockResult, _ what: String) {
            #expect(result.appHash == chain.ledger.state.appHash, "after \(what)")
            #expect(result.appHash == (try? LedgerState.load(from: chain.ledger.state.keyValues()))?.appHash, "after \(what), reloaded")
        }
        // New accounts appear between existing keys, stake adds validator and delegation keys,
        // unstake adds an unbonding entry that a later block removes again.
        let newcomers = (10...40).map { LedgerFixture.key(UInt8($0)) }
        check(chain.block(newcomers.map { chain.transaction(alice, .transfer(to: $0.publicKey.address, amount: 50)) }), "new accounts")
        check(chain.block([chain.transaction(bob, .stake(validator: bob.publicKey, amount: 3_000, name: "bob"))]), "a stake")
        check(chain.block([chain.transaction(bob, .unstake(validator: bob.publicKey, amount: 3_000))]), "an unstake")
        chain.emptyBlocks(6)
        check(chain.block([chain.transaction(newcomers[3], .transfer(to: bob.publicKey.address, amount: 10))]), "the release")
        #expect(chain.ledger.state.unbonding.isEmpty)
    }

    @Test("a corrupt stored value is reported with its key")
    func corruptValue() {
        let pairs = [(key: [UInt8]([1]) + LedgerFixture.alice.publicKey.address.bytes, value: [UInt8]([1, 2, 3]))]
        #expect(throws: LedgerState.LoadError.self) { try LedgerState.load(from: pairs) }
        #expect(throws: LedgerState.LoadError.badKey([9])) { try LedgerState.load(from: [(key: [9], value: [])]) }
    }
}

@Suite("ledger: genesis")
struct LedgerGenesisTests {
    @Test("a genesis sets the parameters, funds the accounts and bonds each validator's stake")
    func fromGenesis() throws {
        let keys = (1...3).compactMap { KeyPair(seed: [UInt8](repeating: UInt8($0), count: 32)) }
        var genesis = Genesis(chainID: "from-genesis", genesisTime: try #require(GenesisTime(rfc3339: "2026-01-01T00:00:00Z")))
        genesis.staking.powerUnit = 1_000
        genesis.staking.downtimeWindowMillis = 20_000
        genesis.staking.minSignedPerWindow = PartsPerMillion(clamping: 750_000)
        genesis.validators = keys.enumerated().map { GenesisValidator(name: "v\($0.offset)", publicKey: $0.element.publicKey, stake: 3_000) }
        genesis.accounts = [GenesisAccount(address: keys[0].publicKey.address, balance: 77)]
        let ledger = Ledger.genesis(genesis)
        #expect(ledger.parameters.chainID == "from-genesis")
        #expect(ledger.parameters.downtimeWindowMillis == 20_000)
        #expect(ledger.parameters.minSignedPerWindow.value == 750_000)
        #expect(ledger.state.account(keys[0].publicKey.address).balance == 77)
        #expect(ledger.activeValidators().map(\.votingPower) == [3, 3, 3])
        #expect(ledger.state.delegation(keys[1].publicKey.address, keys[1].publicKey) == 3_000)
    }
}
