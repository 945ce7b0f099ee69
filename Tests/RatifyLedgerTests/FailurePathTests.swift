import Testing
import RatifyCore
@testable import RatifyLedger

/// Every row of docs/LEDGER.md's transaction table, failing: each error, and the state it
/// leaves. The reference is the same chain applying an empty block instead, so the block's own
/// bookkeeping (height, downtime counters, unbonding releases) is not mistaken for the
/// transaction's effect.
@Suite("ledger: every failure path of every transaction kind")
struct FailurePathTests {
    /// A payload failure: `prepare` brings the chain to where the transaction fails and returns it.
    struct PayloadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var expected: TransactionError
        var prepare: @Sendable (inout LedgerFixture) -> Transaction
        var testDescription: String { name }
    }

    static let alice = LedgerFixture.alice, bob = LedgerFixture.bob, carol = LedgerFixture.carol
    static let validatorA = LedgerFixture.validatorA, validatorB = LedgerFixture.validatorB

    /// Validator B, funded for fees, misses 6 of 10 precommits: jailed until the height returned.
    @discardableResult
    static func jailValidatorB(_ chain: inout LedgerFixture) -> Height {
        chain.block([chain.transaction(alice, .transfer(to: validatorB.publicKey.address, amount: 100))])
        chain.emptyBlocks(4)
        chain.emptyBlocks(6, absent: [validatorB.publicKey.address])
        return chain.ledger.state.validators[validatorB.publicKey]?.jailedUntil ?? 0
    }

    /// Validator B double-signs at height 2 and the evidence is applied: tombstoned.
    static func tombstoneValidatorB(_ chain: inout LedgerFixture) {
        chain.block([chain.transaction(alice, .transfer(to: validatorB.publicKey.address, amount: 100))])
        chain.emptyBlocks(2)
        if let evidence = SlashingTests.doubleVote(validatorB, height: 2) { chain.block([], evidence: [evidence]) }
    }

    /// A chain whose only account `rich` holds almost UInt64.max and whose validator B has
    /// almost UInt64.max bonded: the overflow rows.
    static func nearOverflow(_ chain: inout LedgerFixture) {
        chain.ledger = Ledger.genesis(
            parameters: LedgerFixture.parameters,
            accounts: [(alice.publicKey.address, 100_000), (bob.publicKey.address, UInt64.max - 5)],
            validators: [.init(name: "a", publicKey: validatorA.publicKey, stake: 10_000),
                         .init(name: "b", publicKey: validatorB.publicKey, stake: UInt64.max - 5)])
    }

    static let payloadCases: [PayloadCase] = [
        PayloadCase(name: "transfer: zero amount", expected: .zeroAmount) { chain in
            chain.transaction(alice, .transfer(to: bob.publicKey.address, amount: 0))
        },
        PayloadCase(name: "transfer: insufficient balance", expected: .insufficientBalance(have: 120, need: 500, fee: 1)) { chain in
            chain.transaction(bob, .transfer(to: alice.publicKey.address, amount: 500))
        },
        PayloadCase(name: "transfer: the recipient's balance would overflow", expected: .overflow) { chain in
            nearOverflow(&chain)
            return chain.transaction(alice, .transfer(to: bob.publicKey.address, amount: 10))
        },
        PayloadCase(name: "stake: zero amount", expected: .zeroAmount) { chain in
            chain.transaction(alice, .stake(validator: validatorA.publicKey, amount: 0, name: ""))
        },
        PayloadCase(name: "stake: someone else's unregistered key", expected: .unknownValidator(carol.publicKey)) { chain in
            chain.transaction(alice, .stake(validator: carol.publicKey, amount: 5_000, name: "carol"))
        },
        PayloadCase(name: "stake: a name on a registered validator", expected: .nameOnlyWhenRegistering) { chain in
            chain.transaction(alice, .stake(validator: validatorA.publicKey, amount: 5_000, name: "rename"))
        },
        PayloadCase(name: "stake: an invalid name", expected: .invalidName("tab\there")) { chain in
            chain.transaction(alice, .stake(validator: alice.publicKey, amount: 5_000, name: "tab\there"))
        },
        PayloadCase(name: "stake: a tombstoned validator", expected: .validatorTombstoned(validatorB.publicKey)) { chain in
            tombstoneValidatorB(&chain)
            return chain.transaction(alice, .stake(validator: validatorB.publicKey, amount: 5_000, name: ""))
        },
        PayloadCase(name: "stake: insufficient balance", expected: .insufficientBalance(have: 120, need: 500, fee: 1)) { chain in
            chain.transaction(bob, .stake(validator: validatorA.publicKey, amount: 500, name: ""))
        },
        PayloadCase(name: "stake: the validator's bonded total would overflow", expected: .overflow) { chain in
            nearOverflow(&chain)
            return chain.transaction(alice, .stake(validator: validatorB.publicKey, amount: 10, name: ""))
        },
        // Power unit 1 and 10,000 validators: one validator may have 2^63/8 / 10,000 power.
        PayloadCase(name: "stake: the validator's power would pass one validator's limit",
                    expected: .votingPowerTooLarge(power: 115_292_150_460_684 + 10_000, max: 115_292_150_460_684)) { chain in
            var parameters = chain.ledger.parameters
            parameters.powerUnit = 1
            parameters.validatorsMax = 10_000
            chain.ledger = Ledger(parameters: parameters, state: chain.ledger.state)
            chain.ledger.state.setAccount(alice.publicKey.address, Account(balance: UInt64.max / 2))
            return chain.transaction(alice, .stake(validator: validatorA.publicKey, amount: 115_292_150_460_684, name: ""))
        },
        PayloadCase(name: "unstake: zero amount", expected: .zeroAmount) { chain in
            chain.transaction(alice, .unstake(validator: validatorA.publicKey, amount: 0))
        },
        PayloadCase(name: "unstake: an unknown validator", expected: .unknownValidator(carol.publicKey)) { chain in
            chain.transaction(alice, .unstake(validator: carol.publicKey, amount: 5))
        },
        PayloadCase(name: "unstake: more than the sender bonded", expected: .insufficientStake(have: 2_000, need: 2_001)) { chain in
            chain.block([chain.transaction(alice, .stake(validator: validatorA.publicKey, amount: 2_000, name: ""))])
            return chain.transaction(alice, .unstake(validator: validatorA.publicKey, amount: 2_001))
        },
        PayloadCase(name: "unjail: an unknown validator", expected: .unknownValidator(carol.publicKey)) { chain in
            chain.transaction(alice, .unjail(validator: carol.publicKey))
        },
        PayloadCase(name: "unjail: not the operator", expected: .notOperator(validator: validatorB.publicKey)) { chain in
            jailValidatorB(&chain)
            chain.emptyBlocks(4)
            return chain.transaction(alice, .unjail(validator: validatorB.publicKey))
        },
        PayloadCase(name: "unjail: tombstoned", expected: .validatorTombstoned(validatorB.publicKey)) { chain in
            tombstoneValidatorB(&chain)
            chain.emptyBlocks(10)
            return chain.transaction(validatorB, .unjail(validator: validatorB.publicKey))
        },
        PayloadCase(name: "unjail: not jailed", expected: .notJailed(validatorA.publicKey)) { chain in
            chain.transaction(validatorA, .unjail(validator: validatorA.publicKey))
        },
        PayloadCase(name: "unjail: before the jail period is over", expected: .jailPeriodNotOver(until: 15)) { chain in
            jailValidatorB(&chain)
            return chain.transaction(validatorB, .unjail(validator: validatorB.publicKey))
        },
        PayloadCase(name: "unjail: self-stake below one power unit", expected: .selfStakeBelowPowerUnit(have: 900, need: 1_000)) { chain in
            jailValidatorB(&chain)
            // 10,000 slashed by 1% for downtime leaves 9,900; unstaking 9,000 leaves 900.
            chain.block([chain.transaction(validatorB, .unstake(validator: validatorB.publicKey, amount: 9_000))])
            chain.emptyBlocks(4)
            return chain.transaction(validatorB, .unjail(validator: validatorB.publicKey))
        },
        PayloadCase(name: "evidence: votes by no validator", expected: .invalidEvidence("no validator has address \(carol.publicKey.address.hex)")) { chain in
            chain.emptyBlocks(3)
            let foreign = SlashingTests.doubleVote(carol, height: 2)
            return chain.transaction(alice, foreign.map(TransactionPayload.evidence) ?? .unjail(validator: carol.publicKey))
        },
        PayloadCase(name: "evidence: older than the evidence age", expected: .evidenceTooOld(height: 2, oldestAllowed: 6)) { chain in
            chain.emptyBlocks(25)
            let old = SlashingTests.doubleVote(validatorA, height: 2)
            return chain.transaction(alice, old.map(TransactionPayload.evidence) ?? .unjail(validator: carol.publicKey))
        },
        PayloadCase(name: "evidence: against a validator already tombstoned", expected: .validatorTombstoned(validatorB.publicKey)) { chain in
            tombstoneValidatorB(&chain)
            let again = SlashingTests.doubleVote(validatorB, height: 2)
            return chain.transaction(alice, again.map(TransactionPayload.evidence) ?? .unjail(validator: carol.publicKey))
        },
    ]

    @Test("a payload failure gives its error and changes only the sender's fee and nonce (the fee going to the proposer's operator)",
          arguments: payloadCases)
    func payloadFailure(_ row: PayloadCase) {
        var chain = LedgerFixture()
        let transaction = row.prepare(&chain)
        var reference = chain
        reference.block([])
        let result = chain.block([transaction])
        #expect(result.transactionErrors == [row.expected])
        #expect(row.expected.isEnvelopeError == false)

        var expected = reference.ledger.state
        var sender = expected.account(transaction.senderAddress)
        sender.balance -= transaction.fee
        sender.nonce += 1
        expected.accounts[transaction.senderAddress] = sender
        let proposerOperator = LedgerFixture.validatorA.publicKey.address
        var proposer = expected.account(proposerOperator)
        proposer.balance += transaction.fee
        expected.accounts[proposerOperator] = proposer
        #expect(chain.ledger.state == expected)
    }

    enum Kind: String, CaseIterable, Sendable {
        case transfer, stake, unstake, unjail, evidence

        /// A payload of this kind for the fixture's alice (whether it would succeed does not
        /// matter: envelope checks come first).
        var payload: TransactionPayload {
            switch self {
            case .transfer: .transfer(to: bob.publicKey.address, amount: 10)
            case .stake: .stake(validator: validatorA.publicKey, amount: 1_000, name: "")
            case .unstake: .unstake(validator: validatorA.publicKey, amount: 1_000)
            case .unjail: .unjail(validator: validatorA.publicKey)
            case .evidence: SlashingTests.doubleVote(validatorB, height: 1).map(TransactionPayload.evidence) ?? .unjail(validator: carol.publicKey)
            }
        }
    }

    @Test("wrong chain id, forged signature, replay, nonce gap, fee below minimum, no funds for the fee and an exhausted nonce change nothing, not even the nonce",
          arguments: Kind.allCases)
    func envelopeFailures(_ kind: Kind) {
        var chain = LedgerFixture()
        let chainID = LedgerFixture.chainID
        // Applied once (whatever its payload does), then replayed below.
        let first = Transaction.signed(chainID: chainID, sender: Self.alice, nonce: 0, fee: 1, payload: kind.payload)
        chain.block([first])
        // Only a damaged state holds the last nonce; it must still refuse without writing.
        chain.ledger.state.setAccount(Self.bob.publicKey.address, Account(balance: 120, nonce: UInt64.max))
        var forged = Transaction.signed(chainID: chainID, sender: Self.alice, nonce: 1, fee: 1, payload: kind.payload)
        forged.fee = 2
        let refused: [(Transaction, TransactionError)] = [
            (Transaction.signed(chainID: "other-chain", sender: Self.alice, nonce: 1, fee: 1, payload: kind.payload),
             .wrongChain(expected: chainID, got: "other-chain")),
            (forged, .badSignature),
            (first, .badNonce(expected: 1, got: 0)),
            (Transaction.signed(chainID: chainID, sender: Self.alice, nonce: 3, fee: 1, payload: kind.payload), .badNonce(expected: 1, got: 3)),
            (Transaction.signed(chainID: chainID, sender: Self.alice, nonce: 1, fee: 0, payload: kind.payload), .feeTooLow(minimum: 1, got: 0)),
            (Transaction.signed(chainID: chainID, sender: Self.carol, nonce: 0, fee: 1, payload: kind.payload), .cannotPayFee(balance: 0, fee: 1)),
            (Transaction.signed(chainID: chainID, sender: Self.bob, nonce: UInt64.max, fee: 1, payload: kind.payload), .nonceExhausted),
        ]
        for (transaction, error) in refused {
            #expect(error.isEnvelopeError)
            #expect(chain.ledger.check(transaction, signatureVerified: false) == error, "the mempool's check refuses it alike")
        }
        var reference = chain
        reference.block([])
        let result = chain.block(refused.map(\.0))
        #expect(result.transactionErrors == refused.map(\.1))
        #expect(chain.ledger.state == reference.ledger.state)
        #expect(result.appHash == reference.ledger.state.appHash)
    }
}
