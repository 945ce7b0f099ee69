import RatifyCore
import RatifyLedger
import RatifyTestSupport
import Testing
@testable import RatifyNode

@Suite("verified signatures: each transaction's signature is checked once per node")
struct VerifiedSignaturesTests {
    static let limits = MempoolLimits(countMax: 1_000, bytesMax: 1 << 20, perSenderCountMax: 50)

    @Test("a transaction whose signature a proposal's check recorded stays verified after its block, and is not checked again at admission")
    func recordedSkipsAdmissionCheck() async throws {
        var chain = try ChainFixture()
        let pool = Mempool(limits: Self.limits, ledger: ChainFixture.genesisLedger)
        let good = chain.transfer(ChainFixture.alice)
        pool.recordVerified([good.hash])
        #expect(pool.verifiedHashes(in: [good]) == [good.hash], "recorded, though never held")

        // A forged signature whose hash was recorded is taken as checked: proof that admission
        // consults the record instead of verifying again. (Only a real check records a hash.)
        var forged = chain.transfer(ChainFixture.bob)
        forged.fee += 1
        #expect(!forged.verifySignature())
        #expect(await (try? pool.add(forged.canonicalBytes)) == nil, "unrecorded, the forgery is refused")
        pool.recordVerified([forged.hash])
        #expect(await (try? pool.add(forged.canonicalBytes)) == forged.hash)
    }

    @Test("admission records what it verified: a transaction gone from the pool after its block still counts as verified")
    func admissionRecords() async throws {
        var chain = try ChainFixture()
        let pool = Mempool(limits: Self.limits, ledger: ChainFixture.genesisLedger)
        let transaction = chain.transfer(ChainFixture.alice)
        _ = try await pool.add(transaction.canonicalBytes)
        let block = try await chain.commitBlock(mempool: pool).block
        #expect(block.transactions == [transaction])
        #expect(!pool.contains(transaction.hash), "committed, so out of the pool")
        #expect(pool.verifiedHashes(in: [transaction]) == [transaction.hash])
    }
}
