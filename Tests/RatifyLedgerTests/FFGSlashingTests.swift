import Testing
import RatifyCore
@testable import RatifyLedger

@Suite("ledger: Casper FFG slashing")
struct FFGSlashingTests {
    /// The fixture's chain with epochs of 2 blocks, so checkpoint heights fall inside the test's range.
    static func chain() -> LedgerFixture {
        var chain = LedgerFixture()
        var parameters = LedgerFixture.parameters
        parameters.checkpointEpochLengthBlocks = 2
        chain.ledger = Ledger(parameters: parameters, state: chain.ledger.state)
        return chain
    }

    static func vote(_ key: KeyPair, _ source: UInt64, _ target: UInt64, branch: UInt8 = 1,
                     chainID: String = LedgerFixture.chainID) -> CheckpointVote {
        CheckpointVote.signed(chainID: chainID, key: key,
                              source: Checkpoint(epoch: source, blockHash: Hash.sha256([1, UInt8(source)])),
                              target: Checkpoint(epoch: target, blockHash: Hash.sha256([branch, UInt8(target)])))
    }

    @Test("surround-vote evidence slashes, jails and tombstones like a double sign, once, with a deterministic app hash")
    func surroundVote() throws {
        var chain = Self.chain(), twin = Self.chain(), untouched = Self.chain()
        let validatorB = LedgerFixture.validatorB
        let evidence = try FFGSlashingEvidence(Self.vote(validatorB, 0, 4), Self.vote(validatorB, 1, 3))
        #expect(evidence.kind == .surroundVote)
        chain.emptyBlocks(9)
        twin.emptyBlocks(9)
        untouched.emptyBlocks(9)
        let result = chain.block([chain.transaction(LedgerFixture.alice, .ffgEvidence(evidence))])
        let twinResult = twin.block([twin.transaction(LedgerFixture.alice, .ffgEvidence(evidence))])
        let untouchedResult = untouched.block([untouched.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.bob.publicKey.address, amount: 1))])
        #expect(result.transactionErrors == [nil])
        #expect(result.appHash == twinResult.appHash)
        #expect(result.appHash != untouchedResult.appHash)

        let record = try #require(chain.ledger.state.validators[validatorB.publicKey])
        #expect(record.tombstoned)
        #expect(record.isJailed)
        #expect(record.bondedTotal == 9_500)
        #expect(chain.power(validatorB) == nil)
        let again = chain.block([chain.transaction(LedgerFixture.alice, .ffgEvidence(evidence))])
        #expect(again.transactionErrors == [.validatorTombstoned(validatorB.publicKey)])
    }

    @Test("double-vote evidence slashes stake unbonding since the later target's height, not before")
    func doubleVoteDatesTheInfraction() throws {
        var chain = Self.chain()
        let validatorB = LedgerFixture.validatorB, alice = LedgerFixture.alice
        chain.block([chain.transaction(alice, .stake(validator: validatorB.publicKey, amount: 4_000, name: ""))])
        chain.emptyBlocks(1)
        chain.block([chain.transaction(alice, .unstake(validator: validatorB.publicKey, amount: 1_000))])   // height 3
        chain.emptyBlocks(2)
        chain.block([chain.transaction(alice, .unstake(validator: validatorB.publicKey, amount: 1_000))])   // height 6
        // Both votes target epoch 3, checkpoint height 6.
        let evidence = try FFGSlashingEvidence(Self.vote(validatorB, 2, 3), Self.vote(validatorB, 2, 3, branch: 2))
        #expect(evidence.kind == .doubleVote)
        let result = chain.block([chain.transaction(alice, .ffgEvidence(evidence))])
        #expect(result.transactionErrors == [nil])
        #expect(chain.ledger.state.unbonding.map(\.amount) == [1_000, 950])
        #expect(chain.ledger.state.delegation(alice.publicKey.address, validatorB.publicKey) == 1_900)
    }

    @Test("FFG evidence that is too old, signed by another key or for another chain, or against no validator is refused")
    func badEvidence() throws {
        var chain = Self.chain()
        chain.emptyBlocks(25)
        let validatorA = LedgerFixture.validatorA, carol = LedgerFixture.carol
        let old = try FFGSlashingEvidence(Self.vote(validatorA, 0, 1), Self.vote(validatorA, 0, 1, branch: 2))
        var forgedA = Self.vote(carol, 3, 5), forgedB = Self.vote(carol, 4, 5, branch: 2)
        forgedA.validatorAddress = validatorA.publicKey.address
        forgedB.validatorAddress = validatorA.publicKey.address
        let forged = try FFGSlashingEvidence(forgedA, forgedB)
        let otherChain = try FFGSlashingEvidence(Self.vote(validatorA, 3, 8, chainID: "other"), Self.vote(validatorA, 4, 6, chainID: "other"))
        let stranger = try FFGSlashingEvidence(Self.vote(carol, 10, 12), Self.vote(carol, 11, 12, branch: 2))
        let alice = LedgerFixture.alice
        let result = chain.block([old, forged, otherChain, stranger].map { chain.transaction(alice, .ffgEvidence($0)) })
        #expect(result.transactionErrors == [
            .evidenceTooOld(height: 2, oldestAllowed: 6),
            .invalidEvidence("a checkpoint vote's signature does not verify with the validator's key"),
            .invalidEvidence("a checkpoint vote's signature does not verify with the validator's key"),
            .invalidEvidence("no validator has address \(carol.publicKey.address.hex)"),
        ])
        #expect(result.transactionErrors.allSatisfy { $0?.code == 17 || $0?.code == 18 })
        #expect(chain.power(validatorA) == 10)
    }
}
