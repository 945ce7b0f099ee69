import Testing
import RatifyCore
@testable import RatifyLedger

@Suite("ledger: proof-of-work blocks")
struct MinedBlockTests {
    @Test("a mined block pays the miner the reward and the fees; a payload failure is recorded, not fatal")
    func rewardAndFees() throws {
        var chain = LedgerFixture()
        let miner = LedgerFixture.carol.publicKey.address
        let good = chain.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.bob.publicKey.address, amount: 500), fee: 2)
        let failing = chain.transaction(LedgerFixture.bob, .transfer(to: miner, amount: 1_000_000), fee: 3)
        let result = try chain.ledger.executeMined(height: 1, miner: miner, transactions: [good, failing]).get()
        #expect(result.transactionErrors.count == 2 && result.transactionErrors[0] == nil && result.transactionErrors[1] != nil)
        #expect(chain.ledger.state.account(miner).balance == Ledger.minerRewardPerBlock + 5)
        #expect(chain.ledger.state.height == 1)
        #expect(result.appHash == chain.ledger.state.appHash)
    }

    @Test("an envelope error (a wrong nonce) makes the block invalid; a block at the wrong height too")
    func envelopeErrorInvalidates() {
        var chain = LedgerFixture()
        let first = chain.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.bob.publicKey.address, amount: 1))
        var copy = chain.ledger
        let outcome = copy.executeMined(height: 1, miner: LedgerFixture.carol.publicKey.address, transactions: [first, first])
        #expect(outcome == .failure(.transaction(index: 1, .badNonce(expected: 1, got: 0))))
        #expect(chain.ledger.executeMined(height: 2, miner: LedgerFixture.carol.publicKey.address, transactions: [])
            == .failure(.height(expected: 1, got: 2)))
    }

    @Test("undo data (each block's changed keys with their old values) takes the state back to the fork point exactly")
    func revertWithUndo() throws {
        var chain = LedgerFixture()
        let start = chain.ledger.state
        _ = chain.ledger.takeWrites()
        var undo: [[(key: [UInt8], value: [UInt8]?)]] = []
        for height in 1...3 as ClosedRange<UInt64> {
            let before = chain.ledger.state
            let tx = chain.transaction(LedgerFixture.alice, .transfer(to: LedgerFixture.carol.publicKey.address, amount: 10 * height))
            _ = try chain.ledger.executeMined(height: height, miner: LedgerFixture.bob.publicKey.address, transactions: [tx]).get()
            undo.insert(chain.ledger.takeWrites().map { ($0.key, before.value(forKey: $0.key)) }, at: 0)
        }
        let reverted = try chain.ledger.state.reverted(by: undo)
        #expect(reverted == start)
        #expect(reverted.appHash == start.appHash)
        let one = try chain.ledger.state.reverted(by: Array(undo.prefix(1)))
        #expect(one.height == 2)
    }
}

extension Result<Ledger.BlockResult, Ledger.MinedBlockError> {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.failure(let left), .failure(let right)): left == right
        default: false
        }
    }
}
