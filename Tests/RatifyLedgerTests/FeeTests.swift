import Testing
import RatifyCore
@testable import RatifyLedger

@Suite("ledger: minimum fee")
struct FeeTests {
    private static func genesis(minFee: UInt64?) throws -> Genesis {
        var genesis = Genesis(chainID: LedgerFixture.chainID, genesisTime: try #require(GenesisTime(unixSeconds: 0)))
        genesis.validators = [GenesisValidator(name: "a", publicKey: LedgerFixture.validatorA.publicKey, stake: 10_000_000)]
        if let minFee { genesis.staking.minFee = minFee }
        return genesis
    }

    @Test("the ledger's minimum fee is genesis staking.min_fee, 1 when the file leaves it out")
    func fromGenesis() throws {
        #expect(Ledger.genesis(try Self.genesis(minFee: 250)).parameters.feeMin == 250)
        #expect(Ledger.genesis(try Self.genesis(minFee: nil)).parameters.feeMin == 1)
    }

    @Test("zero-fee and unpayable unjails from keys with no account are refused and leave the state byte-identical")
    func unpaidUnjailWritesNothing() {
        var chain = LedgerFixture()
        var untouched = chain
        let fresh = LedgerFixture.key(42), carol = LedgerFixture.carol
        #expect(chain.ledger.state.accounts[fresh.publicKey.address] == nil)
        let zeroFee = Transaction.signed(chainID: LedgerFixture.chainID, sender: fresh, nonce: 0, fee: 0,
                                         payload: .unjail(validator: LedgerFixture.validatorA.publicKey))
        let unpayable = Transaction.signed(chainID: LedgerFixture.chainID, sender: carol, nonce: 0, fee: 1,
                                           payload: .unjail(validator: carol.publicKey))
        #expect(chain.ledger.check(zeroFee, signatureVerified: false) == .feeTooLow(minimum: 1, got: 0))

        let result = chain.block([zeroFee, unpayable])
        untouched.block([])

        #expect(result.transactionErrors == [.feeTooLow(minimum: 1, got: 0), .cannotPayFee(balance: 0, fee: 1)])
        #expect(result.appHash == untouched.ledger.state.appHash)
        #expect(chain.ledger.state.keyValues().map(\.key) == untouched.ledger.state.keyValues().map(\.key))
        #expect(chain.ledger.state.keyValues().map(\.value) == untouched.ledger.state.keyValues().map(\.value))
        #expect(chain.ledger.takeWrites().map(\.key) == untouched.ledger.takeWrites().map(\.key))
        #expect(chain.ledger.state.accounts[fresh.publicKey.address] == nil)
        #expect(chain.ledger.state.accounts[carol.publicKey.address] == nil)
    }

    @Test("a fee of UInt64.max is refused as unpayable, not trapped on")
    func extremeFee() {
        var chain = LedgerFixture()
        let before = chain.ledger.state.accounts
        let transaction = chain.transaction(LedgerFixture.alice, .unjail(validator: LedgerFixture.validatorA.publicKey), fee: UInt64.max)
        let result = chain.block([transaction])
        #expect(result.transactionErrors == [.cannotPayFee(balance: 100_000, fee: UInt64.max)])
        #expect(chain.ledger.state.accounts == before)
    }
}
