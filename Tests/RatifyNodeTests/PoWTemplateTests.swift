import RatifyCore
import RatifyLedger
import RatifyOps
import RatifyPoW
import Testing
@testable import RatifyNode

@Suite("proof-of-work node: block template and tip lines")
struct PoWTemplateTests {
    static let chainID = "pow-template"
    static let alice = KeyPair(seed: [UInt8](repeating: 11, count: 32)) ?? KeyPair.generate()

    static func genesis() throws -> Genesis {
        var genesis = Genesis(chainID: chainID, genesisTime: try #require(GenesisTime(unixSeconds: 1_767_225_600)))
        genesis.mode = .pow
        genesis.pow = TestnetGenerator.localnetPoW
        genesis.accounts = [GenesisAccount(address: alice.publicKey.address, balance: 1_000)]
        return genesis
    }

    @Test("a template carries the scheduled bits, a time after the median, a coinbase to the miner and only transactions that execute")
    func template() throws {
        let genesis = try Self.genesis()
        let tree = ProofOfWorkEngine.emptyTree(genesis)
        let ledger = Ledger.genesis(genesis)
        let miner = KeyPair.generate().publicKey.address
        let good = Transaction.signed(chainID: Self.chainID, sender: Self.alice, nonce: 0, fee: 1,
                                      payload: .transfer(to: miner, amount: 10))
        let replay = good
        let unpaid = Transaction.signed(chainID: Self.chainID, sender: KeyPair.generate(), nonce: 0, fee: 1,
                                        payload: .transfer(to: miner, amount: 10))
        var asked: (bytes: Int, count: Int)?
        let template = PoWBlockTemplate.make(parent: tree.genesis, tree: tree, ledger: ledger, miner: miner,
                                             nowSeconds: tree.genesis.timeSeconds - 100, bytesMax: 4_096, transactionsMax: 10,
                                             reap: { asked = ($0, $1); return [good, replay, unpaid] })
        let block = template.block
        #expect(block.transactions == [good], "the replayed nonce and the unpaid fee are envelope errors")
        #expect(block.merkleRootMatches)
        #expect(block.coinbase == PoWBlock.Coinbase(height: 1, miner: miner, extraNonce: 0))
        #expect(block.header.previousHash == tree.genesis.hash)
        #expect(block.header.bits == tree.expectedBits(after: tree.genesis))
        #expect(block.header.time == tree.medianTimePast(of: tree.genesis) + 1, "a clock behind the chain still gives a valid time")
        let overhead = PoWBlock(header: block.header, coinbase: block.coinbase, transactions: []).canonicalBytes.count
        #expect(asked?.bytes == 4_096 - overhead && asked?.count == 10)
        var check = ledger
        #expect(throws: Never.self) { try check.executeMined(height: 1, miner: miner, transactions: block.transactions).get() }
    }

    @Test("new-tip log lines parse, with and without a reorg depth; other lines do not")
    func tipLines() throws {
        let plain = "2026-11-23T13:49:45+0000 info ratify: final_height=17 hash=000008f9 height=23 interval_ms=865 miner=bea9c2f8 txs=2 [RatifyNode] new tip"
        let line = try #require(PoWTipLine(plain[...]))
        #expect(line.height == 23 && line.finalHeight == 17 && line.transactions == 2 && line.reorgDepth == 0 && line.blockHash == "000008f9")
        let reorg = "x: final_height=40 hash=0b6d height=46 interval_ms=12 previous_tip=031a reorg_depth=3 txs=1 [RatifyNode] new tip"
        #expect(PoWTipLine(reorg[...])?.reorgDepth == 3)
        #expect(PoWTipLine("x: height=4 hash=ab txs=0 [RatifyNode] finalized"[...]) == nil)
        #expect(PoWTipLine("x: height=four hash=ab txs=0 interval_ms=1 final_height=0 [RatifyNode] new tip"[...]) == nil)
    }

    @Test("checkpoint step log lines parse with their epoch, hash and since_block_ms (absent when untimed); other lines do not")
    func checkpointLines() throws {
        let signed = "2026-12-04T09:34:58.449Z info ratify: epoch=2 hash=00000040da84 height=8 since_block_ms=1004 source_epoch=1 [RatifyNode] checkpoint vote signed"
        let line = try #require(CheckpointLine(signed[...]))
        #expect(line.step == .voteSigned && line.epoch == 2 && line.blockHash == "00000040da84" && line.sinceBlockMillis == 1_004)
        #expect(CheckpointLine("x: epoch=2 hash=ab height=8 source_epoch=1 since_block_ms=7 [RatifyNode] checkpoint votes reached 2/3"[...])?.step == .supermajority)
        #expect(CheckpointLine("x: epoch=3 hash=ab height=12 since_block_ms=9 [RatifyNode] checkpoint justified"[...])?.step == .justified)
        let untimed = try #require(CheckpointLine("x: epoch=1 hash=ab height=4 [RatifyNode] checkpoint finalized"[...]))
        #expect(untimed.step == .finalized && untimed.sinceBlockMillis == nil)
        #expect(CheckpointLine("x: finalized_epoch=0 justified_epoch=0 votes=0 [RatifyNode] checkpoint votes counted again"[...]) == nil)
        #expect(CheckpointLine("x: epoch=two hash=ab [RatifyNode] checkpoint justified"[...]) == nil)
    }
}
