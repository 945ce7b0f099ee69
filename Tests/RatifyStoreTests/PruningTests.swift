import RatifyCore
import Testing
@testable import RatifyStore

@Suite("block pruning")
struct PruningTests {
    static let genesis = Hash.sha256(Array("pruning genesis".utf8))
    static let key = KeyPair(seed: [UInt8](repeating: 5, count: 32))

    /// Stores `count` blocks, block H holding H transfers, each indexed; returns their transactions by height.
    static func storeChain(_ count: UInt64, in store: NodeStore) throws -> [UInt64: [Transaction]] {
        let key = try #require(Self.key)
        var lastBlockID = BlockID.zero
        var lastCommit: Commit?
        var transactionsByHeight: [UInt64: [Transaction]] = [:]
        var nonce: UInt64 = 0
        for height in 1...count {
            let transactions = (0..<height).map { _ in
                defer { nonce += 1 }
                return Transaction.signed(chainID: "prune-test", sender: key, nonce: nonce, fee: 1,
                                          payload: .transfer(to: key.publicKey.address, amount: 1))
            }
            let block = Block.make(
                chainID: "prune-test", height: height, timeMillis: 1_000 * height, lastBlockID: lastBlockID,
                lastCommit: lastCommit, transactions: transactions, evidence: [], validatorsHash: .zero,
                nextValidatorsHash: .zero, appHash: .zero, proposerAddress: key.publicKey.address)
            let signBytes = Vote.signBytes(chainID: "prune-test", type: .precommit, height: height, round: 0, blockID: block.id)
            let commit = Commit(height: height, round: 0, blockID: block.id, signatures: [.commit(key.sign(signBytes))])
            let set = try ValidatorSet(validators: [Validator(publicKey: key.publicKey, votingPower: 1)])
            try store.blocks.commit(block: block, commit: commit, stateWrites: [], appHash: .zero,
                                    validatorSets: [(height + 2, set)],
                                    transactions: transactions.enumerated().map { ($0.element.hash, $0.offset, 0, "") })
            transactionsByHeight[height] = transactions
            lastBlockID = block.id
            lastCommit = commit
        }
        return transactionsByHeight
    }

    @Test("pruning to 7 of 30 heights keeps exactly heights 24...30 with their transactions, in bounded batches, and verifies")
    func keepsExactlyTheRetainedHeights() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let transactions = try Self.storeChain(30, in: store)
        #expect(try store.blocks.earliestHeight() == 1)

        var batches: [BlockStore.PruneBatch] = []
        while let batch = try store.blocks.pruneBatch(retainBlocks: 7, heightsMax: 5, transactionsMax: 30) { batches.append(batch) }
        #expect(try store.blocks.earliestHeight() == 24)
        #expect(batches.allSatisfy { $0.heightsRemoved.count <= 5 })
        // A batch stops adding heights once 30 entries went; one height (at most 23 here) may pass it.
        #expect(batches.allSatisfy { $0.transactionsRemoved < 30 + 23 })
        #expect(batches.map(\.transactionsRemoved).reduce(0, +) == (1...23).reduce(0, +))
        for height in UInt64(1)...30 {
            let kept = height >= 24
            #expect((try store.blocks.block(height: height) != nil) == kept, "block \(height)")
            #expect((try store.blocks.commit(height: height) != nil) == kept, "commit \(height)")
            #expect((try store.blocks.blockHash(height: height) != nil) == kept, "hash \(height)")
            for transaction in transactions[height] ?? [] {
                #expect((try store.blocks.transactionLocation(hash: transaction.hash) != nil) == kept, "transaction at \(height)")
            }
        }
        #expect(try store.blocks.validatorSet(height: 24) != nil)
        #expect(try store.blocks.verifyBlocks().isEmpty)
        #expect(try store.blocks.pruneBatch(retainBlocks: 7, heightsMax: 5, transactionsMax: 30) == nil)
    }

    @Test("retain_blocks 0 or at least the chain's length prunes nothing")
    func nothingToPrune() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        _ = try Self.storeChain(4, in: store)
        #expect(try store.blocks.pruneBatch(retainBlocks: 0, heightsMax: 64, transactionsMax: 100) == nil)
        #expect(try store.blocks.pruneBatch(retainBlocks: 4, heightsMax: 64, transactionsMax: 100) == nil)
        #expect(try store.blocks.latestHeight() == 4 && store.blocks.earliestHeight() == 1)
    }

    @Test("on a pruned store, verify still reports a missing kept block, a block left below the earliest height and a bad earliest record")
    func prunedStoreDamageIsFound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        _ = try Self.storeChain(12, in: store)
        let leftover = try #require(try store.blocks.blockBytes(height: 3))
        _ = try store.blocks.pruneBatch(retainBlocks: 4, heightsMax: 64, transactionsMax: 1_000)
        #expect(try store.blocks.earliestHeight() == 9)
        #expect(try store.blocks.verifyBlocks().isEmpty)
        let databases = store.blocks.databases

        try store.environment.write { _ = try $0.delete(databases.blocks, StoreKey.height(10)) }
        #expect(try store.blocks.verifyBlocks().contains { $0.height == 10 && $0.detail.contains("block is missing") })

        try store.environment.write { try $0.put(databases.blocks, StoreKey.height(3), leftover) }
        #expect(try store.blocks.verifyBlocks().contains { $0.height == 3 && $0.detail.contains("below the earliest kept height 9") })

        try store.environment.write { try $0.put(databases.meta, MetaKey.earliestHeight, [1, 2, 3]) }
        #expect(try store.blocks.verifyBlocks().contains { $0.detail.contains("earliest kept height record is malformed") })
        try store.environment.write { try $0.put(databases.meta, MetaKey.earliestHeight, StoreKey.height(20)) }
        #expect(try store.blocks.verifyBlocks().contains { $0.detail.contains("past the latest height 12") })
    }

    @Test("the retained range: the latest retain_blocks heights, everything when 0 or longer than the chain")
    func retainedRange() {
        #expect(BlockStore.retainedFrom(latest: 100, retainBlocks: 10) == 91)
        #expect(BlockStore.retainedFrom(latest: 100, retainBlocks: 0) == 1)
        #expect(BlockStore.retainedFrom(latest: 10, retainBlocks: 10) == 1)
        #expect(BlockStore.retainedFrom(latest: 0, retainBlocks: 5) == 1)
    }
}
