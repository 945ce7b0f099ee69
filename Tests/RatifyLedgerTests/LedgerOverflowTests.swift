import Testing
import RatifyCore
@testable import RatifyLedger

/// Extreme values from genesis, transactions or a damaged stored state: each gets a clear
/// outcome, never a trap (docs/LEDGER.md, "Error codes").
@Suite("ledger: extreme values")
struct LedgerOverflowTests {
    /// The fixture's chain with some parameters changed.
    private static func chain(_ change: (inout LedgerParameters) -> Void) -> LedgerFixture {
        var chain = LedgerFixture()
        var parameters = chain.ledger.parameters
        change(&parameters)
        chain.ledger = Ledger(parameters: parameters, state: chain.ledger.state)
        return chain
    }

    @Test("an unstake under unbonding_blocks UInt64.max is released at Height.max, never, instead of trapping")
    func unbondingForever() {
        var chain = Self.chain { $0.unbondingBlocks = UInt64.max }
        let validatorA = LedgerFixture.validatorA
        let result = chain.block([chain.transaction(validatorA, .unstake(validator: validatorA.publicKey, amount: 1_000))])
        #expect(result.transactionErrors == [nil])
        #expect(chain.ledger.state.unbonding.map(\.releaseHeight) == [Height.max])
        chain.emptyBlocks(3)
        #expect(chain.ledger.state.unbonding.count == 1)
    }

    @Test("a downtime jail under jail_blocks UInt64.max lasts until Height.max")
    func jailForever() {
        var chain = Self.chain { $0.jailBlocks = UInt64.max }
        // Judged once a whole window (10 s, a block a second) has passed since its first block.
        chain.emptyBlocks(11, absent: [LedgerFixture.validatorB.publicKey.address])
        #expect(chain.ledger.state.validators[LedgerFixture.validatorB.publicKey]?.jailedUntil == Height.max)
    }

    @Test("an account stored at nonce UInt64.max is refused as exhausted, an envelope error that writes nothing")
    func nonceExhausted() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice
        chain.ledger.state.setAccount(alice.publicKey.address, Account(balance: 100, nonce: UInt64.max))
        let before = chain.ledger.state.accounts
        let transaction = Transaction.signed(chainID: LedgerFixture.chainID, sender: alice, nonce: UInt64.max, fee: 1,
                                             payload: .transfer(to: LedgerFixture.bob.publicKey.address, amount: 1))
        let result = chain.block([transaction])
        #expect(result.transactionErrors == [.nonceExhausted])
        #expect(TransactionError.nonceExhausted.isEnvelopeError && TransactionError.nonceExhausted.code == 20)
        #expect(chain.ledger.state.accounts == before)
    }

    @Test("a stake whose delegation would pass UInt64.max is refused with overflow; only the fee and nonce move")
    func delegationOverflow() {
        var chain = LedgerFixture()
        let alice = LedgerFixture.alice, validatorA = LedgerFixture.validatorA.publicKey
        let key = DelegationKey(delegator: alice.publicKey.address, validator: validatorA)
        chain.ledger.state.setDelegation(key, UInt64.max - 5)
        let result = chain.block([chain.transaction(alice, .stake(validator: validatorA, amount: 10, name: ""))])
        #expect(result.transactionErrors == [.overflow])
        #expect(chain.ledger.state.delegations[key] == UInt64.max - 5)
        #expect(chain.ledger.state.validators[validatorA]?.bondedTotal == 10_000)
        #expect(chain.balance(alice) == 100_000 - 1)
    }

    @Test("a stake that would lift a validator above its share of the set's power limit is refused, so the next set stays valid")
    func votingPowerCap() {
        var chain = Self.chain { $0.powerUnit = 1; $0.validatorsMax = 10_000 }
        let alice = LedgerFixture.alice, validatorA = LedgerFixture.validatorA.publicKey
        let powerMax = chain.ledger.parameters.votingPowerPerValidatorMax
        #expect(powerMax == UInt64(Int64.max) / 8 / 10_000)
        chain.ledger.state.setAccount(alice.publicKey.address, Account(balance: UInt64.max))
        let tooMuch = chain.transaction(alice, .stake(validator: validatorA, amount: powerMax, name: ""))
        let result = chain.block([tooMuch])
        #expect(result.transactionErrors == [.votingPowerTooLarge(power: powerMax + 10_000, max: powerMax)])
        #expect(chain.ledger.state.validators[validatorA]?.bondedTotal == 10_000)
        let upToTheLimit = chain.transaction(alice, .stake(validator: validatorA, amount: powerMax - 10_000, name: ""))
        #expect(chain.block([upToTheLimit]).transactionErrors == [nil])
        #expect(chain.power(LedgerFixture.validatorA) == Int64(powerMax))
    }

    @Test("an unstake when the unbonding id counter is exhausted is refused with overflow and bonds nothing off")
    func unbondingIDOverflow() {
        var chain = LedgerFixture()
        let validatorA = LedgerFixture.validatorA
        chain.ledger.state.nextUnbondingID = UInt64.max
        let result = chain.block([chain.transaction(validatorA, .unstake(validator: validatorA.publicKey, amount: 1_000))])
        #expect(result.transactionErrors == [.overflow])
        #expect(chain.ledger.state.delegation(validatorA.publicKey.address, validatorA.publicKey) == 10_000)
        #expect(chain.ledger.state.unbonding.isEmpty)
    }

    @Test("a stored downtime record with a wrong slot count is refused; one tracked without slots starts a new window")
    func damagedDowntimeRecord() throws {
        var wrongCount = ByteWriter()
        wrongCount.write(true)
        wrongCount.write(UInt64(5_000))
        wrongCount.write(UInt64(3))
        wrongCount.write(UInt32(7))
        #expect(throws: DecodeError.self) { _ = try DowntimeWindow(canonicalBytes: wrongCount.bytes) }
        var noSlots = ByteWriter()
        noSlots.write(true)
        noSlots.write(UInt64.max)
        noSlots.write(UInt64.max)
        noSlots.write(UInt32(0))
        var window = try DowntimeWindow(canonicalBytes: noSlots.bytes)
        window.record(signed: false, atMillis: 1_000, windowMillis: 10_000)
        #expect(window.sinceMillis == 1_000 && window.observedBlocks == 1 && window.missedBlocks == 1)
        #expect(!window.signedTooFew(atMillis: 1_000, windowMillis: 10_000, minSigned: PartsPerMillion(clamping: 500_000)),
                "not judged before a whole window")
    }

    @Test("slashing delegations that sum past UInt64.max leaves a bonded total of UInt64.max")
    func slashSaturates() {
        var chain = LedgerFixture()
        let validatorA = LedgerFixture.validatorA.publicKey
        for delegator in [LedgerFixture.alice, LedgerFixture.bob] {
            chain.ledger.state.setDelegation(DelegationKey(delegator: delegator.publicKey.address, validator: validatorA), UInt64.max)
        }
        guard var record = chain.ledger.state.validators[validatorA] else { Issue.record("no validator A"); return }
        Ledger.slash(&record, fraction: .zero, infractionHeight: 0, state: &chain.ledger.state)
        #expect(record.bondedTotal == UInt64.max)
    }

    @Test("a mined block after a stored height of Height.max is refused, not trapped on")
    func minedAfterLastHeight() {
        var chain = LedgerFixture()
        chain.ledger.state.setHeight(Height.max)
        let result = chain.ledger.executeMined(height: 0, miner: LedgerFixture.alice.publicKey.address, transactions: [])
        guard case .failure(.height(let expected, let got)) = result else { Issue.record("expected a height error, got \(result)"); return }
        #expect(expected == 0 && got == 0)
    }

    @Test("genesis: a downtime window outside 1 s to 30 days is refused, and LedgerParameters clamps an unvalidated one")
    func downtimeWindowCap() throws {
        var genesis = Genesis(chainID: "overflow", genesisTime: try #require(GenesisTime(unixSeconds: 0)))
        genesis.validators = [GenesisValidator(name: "a", publicKey: LedgerFixture.validatorA.publicKey, stake: 10_000_000)]
        genesis.staking.downtimeWindowMillis = UInt64.max
        #expect(throws: FileFormatError.self) { try genesis.validate() }
        #expect(LedgerParameters(genesis: genesis).downtimeWindowMillis == StakingParams.downtimeWindowMillisMax)
        genesis.staking.downtimeWindowMillis = 0
        #expect(throws: FileFormatError.self) { try genesis.validate() }
        #expect(LedgerParameters(genesis: genesis).downtimeWindowMillis == StakingParams.downtimeWindowMillisMin)
    }
}
