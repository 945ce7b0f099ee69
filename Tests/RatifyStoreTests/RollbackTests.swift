import RatifyCore
import Testing
@testable import RatifyStore

@Suite("rollback")
struct RollbackTests {
    static let genesis = Hash.sha256(Array("rollback test genesis".utf8))

    @Test("rollback undoes the latest height's state in a real store, keeps its block, commit and the signer state, and lets the block be stored again")
    func rollbackLatest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let key = KeyPair.generate()
        let transaction = Hash.sha256(Array("tx in block 3".utf8))
        try BlockStoreTests.commitHeight(store, 1, stateWrites: [.set([1], [1])])
        try BlockStoreTests.commitHeight(store, 2, stateWrites: [.set([1], [2]), .set([2], [2])])
        try store.blocks.commit(BlockStoreTests.write(3, stateWrites: [.set([1], [3]), .delete([2])]).with(transaction: transaction))
        _ = try store.signer.authorize(height: 3, round: 0, step: .precommit, signBytes: [3], sign: key.sign)
        let signer = try store.signer.lastSigned()
        let blockThree = Hash.sha256(Array("block 3".utf8))

        #expect(throws: RollbackRefused.self) {
            try store.rollbackLatest(previousState: [], transactionsOfLatest: [], expectedBlockHash: .zero)
        }
        #expect(try store.blocks.latestHeight() == 3)

        let summary = try store.rollbackLatest(previousState: [([1], [2]), ([2], [2])], transactionsOfLatest: [transaction],
                                               expectedBlockHash: blockThree)
        #expect(summary == NodeStore.RollbackSummary(height: 3, blockHash: blockThree))
        #expect(try store.blocks.latestHeight() == 2)
        #expect(try store.state.entries(prefix: [], limit: 10).map(\.value) == [[2], [2]])
        #expect(try store.state.appHash(height: 3) == nil)
        #expect(try store.state.appHash(height: 2) == Hash.sha256(Array("app 2".utf8)))
        #expect(try store.blocks.transactionLocationBytes(hash: transaction) == nil)
        #expect(try store.blocks.blockBytes(height: 3) == Array("block 3".utf8))
        #expect(try store.blocks.commitBytes(height: 3) == Array("commit 3".utf8))
        #expect(try store.signer.lastSigned() == signer)

        // Re-executing stores the same block at its height again.
        try store.blocks.commit([BlockStoreTests.write(3, stateWrites: [.set([1], [3]), .delete([2])])])
        #expect(try store.blocks.latestHeight() == 3)
        #expect(try store.state.entries(prefix: [], limit: 10).map(\.value) == [[3]])
        #expect(try store.blocks.height(blockHash: blockThree) == 3)
        #expect(try store.blocks.verify().isEmpty)
    }

    @Test("a different block stored at a rolled-back height replaces the old one in the hash index")
    func replacedBlock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        try BlockStoreTests.commitHeight(store, 1)
        _ = try store.rollbackLatest(previousState: [], transactionsOfLatest: [], expectedBlockHash: Hash.sha256(Array("block 1".utf8)))
        #expect(try store.blocks.latestHeight() == 0)
        let other = Array("other block 1".utf8)
        try store.blocks.commit(height: 1, blockBytes: other, commitBytes: [1], blockHash: Hash.sha256(other), stateWrites: [],
                                appHash: .zero)
        #expect(try store.blocks.height(blockHash: Hash.sha256(Array("block 1".utf8))) == nil)
        #expect(try store.blocks.height(blockHash: Hash.sha256(other)) == 1)
        #expect(try store.blocks.verify().isEmpty)
    }

    @Test("an empty store has nothing to roll back")
    func emptyStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(throws: RollbackRefused.self) {
            try store.rollbackLatest(previousState: [], transactionsOfLatest: [], expectedBlockHash: .zero)
        }
    }
}

extension DecidedBlockWrite {
    func with(transaction hash: Hash) -> [DecidedBlockWrite] {
        var copy = self
        copy.transactions = [(hash, [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]
        return [copy]
    }
}
