import Foundation
import Logging
import RatifyCore
import RatifyLedger
@testable import RatifyNode
import RatifyTestSupport
import Testing

/// The heights told final before their store commit, as the chain queries see them.
@Suite("unstored tail")
struct UnstoredTailTests {
    /// Height 1 of a fixture chain holding one transfer, executed as the driver does.
    static func decidedTransfer() async throws -> (decision: NodeDriver.ExecutedDecision, transfer: Transaction) {
        var fixture = try ChainFixture()
        let before = fixture.state
        var ledger = fixture.ledger
        let mempool = Mempool(limits: MempoolTests.limits, ledger: ChainFixture.genesisLedger)
        let transfer = fixture.transfer(ChainFixture.alice)
        _ = try await mempool.add(transfer.canonicalBytes)
        try await fixture.commitBlock(mempool: mempool)
        let block = fixture.blocks[0], commit = fixture.commits[0]
        #expect(block.transactions.map(\.hash) == [transfer.hash])
        let executed = try BlockExecutor.execute(block, state: before, ledger: &ledger, verifiedTransactions: [])
        return (NodeDriver.ExecutedDecision(block: block, commit: commit, executed: executed,
                                            locations: TransactionLocation.all(in: block, result: executed.result)), transfer)
    }

    @Test("a decided height answers block, commit, transaction and the set it decided until stored, then nothing")
    func servesUntilStored() async throws {
        let (decision, transfer) = try await Self.decidedTransfer()
        let block = decision.block, commit = decision.commit, executed = decision.executed

        let tail = UnstoredTail()
        #expect(tail.block(height: 1) == nil && tail.transaction(hash: transfer.hash) == nil)
        tail.add(decision)
        #expect(tail.block(height: 1)?.id == block.id)
        #expect(tail.commit(height: 1) == commit)
        #expect(tail.transaction(hash: transfer.hash) == TransactionLocation(hash: transfer.hash, height: 1, index: 0, code: 0, log: ""))
        #expect(tail.transaction(hash: Hash.sha256([1])) == nil)
        // Block 1 decides the set of height 3; the sets of heights 1 and 2 are the store's.
        #expect(tail.validators(height: 3) == executed.nextState.nextValidators)
        #expect(tail.validators(height: 1) == nil && tail.validators(height: 2) == nil && tail.validators(height: 4) == nil)
        #expect(tail.block(height: 2) == nil && tail.commit(height: 0) == nil)

        tail.removeStored(through: 1)
        #expect(tail.block(height: 1) == nil && tail.commit(height: 1) == nil)
        #expect(tail.transaction(hash: transfer.hash) == nil && tail.validators(height: 3) == nil)
    }

    @Test("the finalized report's latency and interval run to the decision, however late the store commit ends")
    func reportRunsToTheDecision() async throws {
        let (decision, _) = try await Self.decidedTransfer()
        let headerMillis = Double(decision.block.header.timeMillis)
        var reporter = HeightReporter(logger: Logger(label: "unstored-tail-test"), metrics: nil, startedMillis: headerMillis - 500)
        let (stream, continuation) = AsyncStream.makeStream(of: NodeDriver.Finalized.self)
        reporter.addObserver(UUID(), continuation)
        // Decided 12 ms after the header time, stored 40 ms after that.
        reporter.report(decision, decidedMillis: headerMillis + 12, lastCommitSigners: nil, storeMillis: 40, storedWith: 1, steps: nil,
                        mempoolCount: 0, peerCount: 3, view: {
            Issue.record("without metrics the reporter reads no view")
            return HeightReporter.ValidatorView(me: nil, chain: decision.executed.nextState, ledgerState: ChainFixture.genesisLedger.state,
                                                catchingUp: false, blocksyncTargetHeight: 0)
        })
        continuation.finish()
        var reports = stream.makeAsyncIterator()
        let finalized = try #require(await reports.next())
        #expect(finalized.height == 1 && finalized.transactionCount == 1)
        #expect(finalized.latencyMillis == 12)
        #expect(finalized.intervalMillis == 512)
    }
}
