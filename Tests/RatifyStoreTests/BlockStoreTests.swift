import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

@Suite("block store")
struct BlockStoreTests {
    static let genesis = Hash.sha256(Array("block store test genesis".utf8))

    static func commitHeight(_ store: NodeStore, _ height: UInt64, stateWrites: [StateWrite] = []) throws {
        let block = Array("block \(height)".utf8)
        try store.blocks.commit(
            height: height, blockBytes: block, commitBytes: Array("commit \(height)".utf8),
            blockHash: Hash.sha256(block), stateWrites: stateWrites,
            appHash: Hash.sha256(Array("app \(height)".utf8)))
    }

    @Test("a committed block, its commit, indexes, state and app hash read back after reopening")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        #expect(try store.blocks.latestHeight() == 0)
        try Self.commitHeight(store, 1, stateWrites: [.set([1], [10]), .set([2], [20]), .set([3], [30])])
        try Self.commitHeight(store, 2, stateWrites: [.set([1], [11]), .delete([2])])
        store.close()

        let reopened = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { reopened.close() }
        let blockTwo = Array("block 2".utf8)
        #expect(try reopened.blocks.latestHeight() == 2)
        #expect(try reopened.blocks.blockBytes(height: 2) == blockTwo)
        #expect(try reopened.blocks.commitBytes(height: 1) == Array("commit 1".utf8))
        #expect(try reopened.blocks.blockHash(height: 2) == Hash.sha256(blockTwo))
        #expect(try reopened.blocks.height(blockHash: Hash.sha256(blockTwo)) == 2)
        #expect(try reopened.blocks.blockBytes(height: 3) == nil)
        #expect(try reopened.state.value(forKey: [1]) == [11])
        #expect(try reopened.state.value(forKey: [2]) == nil)
        #expect(try reopened.state.value(forKey: [3]) == [30])
        #expect(try reopened.state.appHash(height: 1) == Hash.sha256(Array("app 1".utf8)))
        #expect(try reopened.state.entries(prefix: [], limit: 10).map(\.key) == [[1], [3]])
        #expect(try reopened.blocks.verify(hashOfBlock: Hash.sha256).isEmpty)
    }

    @Test("heights must follow the latest one and a block hash can be stored only once")
    func ordering() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(throws: StoreError.heightOutOfOrder(path: store.environment.path, expected: 1, got: 2)) {
            try Self.commitHeight(store, 2)
        }
        try Self.commitHeight(store, 1)
        #expect(throws: StoreError.heightOutOfOrder(path: store.environment.path, expected: 2, got: 1)) {
            try Self.commitHeight(store, 1)
        }
        let reused = Array("block 1".utf8)
        #expect(throws: StoreError.duplicateBlockHash(path: store.environment.path, hash: Hash.sha256(reused), height: 1)) {
            try store.blocks.commit(height: 2, blockBytes: reused, commitBytes: [], blockHash: Hash.sha256(reused),
                                    stateWrites: [], appHash: .zero)
        }
        #expect(try store.blocks.latestHeight() == 1)
    }

    @Test("a commit that fails part-way through stores none of the block, commit, indexes or state")
    func atomicCommit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        try Self.commitHeight(store, 1, stateWrites: [.set([1], [1])])
        let block = Array("block 2".utf8)
        // The over-long key fails after the block, indexes and the first state write were put.
        #expect(throws: StoreError.invalidKey(database: "state", length: 600, max: StateStore.keyBytesMax)) {
            try store.blocks.commit(
                height: 2, blockBytes: block, commitBytes: [2], blockHash: Hash.sha256(block),
                stateWrites: [.set([1], [2]), .set([UInt8](repeating: 1, count: 600), [0])], appHash: .zero)
        }
        #expect(try store.blocks.latestHeight() == 1)
        #expect(try store.blocks.blockBytes(height: 2) == nil)
        #expect(try store.blocks.commitBytes(height: 2) == nil)
        #expect(try store.blocks.height(blockHash: Hash.sha256(block)) == nil)
        #expect(try store.state.value(forKey: [1]) == [1])
        #expect(try store.state.appHash(height: 2) == nil)
        #expect(try store.blocks.verify().isEmpty)
    }

    static func write(_ height: UInt64, stateWrites: [StateWrite] = []) -> DecidedBlockWrite {
        let block = Array("block \(height)".utf8)
        return DecidedBlockWrite(height: height, blockBytes: block, commitBytes: Array("commit \(height)".utf8),
                                 blockHash: Hash.sha256(block), stateWrites: stateWrites,
                                 appHash: Hash.sha256(Array("app \(height)".utf8)))
    }

    @Test("a run of consecutive blocks is stored in one transaction, later writes over earlier ones")
    func batchCommit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        try Self.commitHeight(store, 1)
        try store.blocks.commit([Self.write(2, stateWrites: [.set([1], [2]), .set([2], [2])]),
                                 Self.write(3, stateWrites: [.set([1], [3]), .delete([2])]),
                                 Self.write(4)])
        #expect(try store.blocks.latestHeight() == 4)
        #expect(try store.blocks.blockBytes(height: 3) == Array("block 3".utf8))
        #expect(try store.blocks.height(blockHash: Hash.sha256(Array("block 4".utf8))) == 4)
        #expect(try store.state.appHash(height: 2) == Hash.sha256(Array("app 2".utf8)))
        #expect(try store.state.value(forKey: [1]) == [3])
        #expect(try store.state.value(forKey: [2]) == nil)
        #expect(try store.blocks.verify(hashOfBlock: Hash.sha256).isEmpty)
    }

    @Test("a run with a gap, a repeated block or a bad write stores none of its blocks")
    func batchAllOrNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        try Self.commitHeight(store, 1, stateWrites: [.set([1], [1])])
        let path = store.environment.path
        #expect(throws: StoreError.heightOutOfOrder(path: path, expected: 4, got: 5)) {
            try store.blocks.commit([Self.write(2, stateWrites: [.set([1], [2])]), Self.write(3), Self.write(5)])
        }
        var repeated = Self.write(3)
        repeated.blockHash = Self.write(2).blockHash
        #expect(throws: StoreError.duplicateBlockHash(path: path, hash: repeated.blockHash, height: 2)) {
            try store.blocks.commit([Self.write(2), repeated])
        }
        #expect(throws: StoreError.invalidKey(database: "state", length: 600, max: StateStore.keyBytesMax)) {
            try store.blocks.commit([Self.write(2), Self.write(3, stateWrites: [.set([UInt8](repeating: 1, count: 600), [0])])])
        }
        #expect(try store.blocks.latestHeight() == 1)
        #expect(try store.blocks.blockBytes(height: 2) == nil)
        #expect(try store.state.value(forKey: [1]) == [1])
        #expect(try store.blocks.verify().isEmpty)
    }

    @Test("a store made from one genesis refuses to open for another")
    func genesisMismatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        let path = store.environment.path
        store.close()
        let other = Hash.sha256(Array("another chain".utf8))
        let error = #expect(throws: StoreError.self) {
            _ = try NodeStore.open(dataDirectory: directory.path, genesisHash: other)
        }
        #expect(error == .genesisMismatch(path: path, stored: Self.genesis, expected: other))
        #expect(error?.description.contains("belongs to genesis \(Self.genesis.hex)") == true)
        // The refusal released the directory: the right genesis still opens.
        let again = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        again.close()
    }

    @Test("a store opened from a Genesis value records that genesis's hash and refuses a different chain id")
    func openFromGenesis() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let time = try #require(GenesisTime(unixSeconds: 1_700_000_000, nanos: 0))
        let genesis = Genesis(chainID: "store-test", genesisTime: time)
        let store = try NodeStore.open(dataDirectory: directory.path, genesis: genesis)
        #expect(store.genesisHash == genesis.genesisHash)
        store.close()
        var other = genesis
        other.chainID = "store-test-2"
        #expect(throws: StoreError.self) { _ = try NodeStore.open(dataDirectory: directory.path, genesis: other) }
    }

    @Test("verify reports a missing block, a disagreeing index and a block whose bytes do not match its hash")
    func verifyFindsProblems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        for height in 1...4 { try Self.commitHeight(store, UInt64(height)) }
        #expect(try store.blocks.verify(hashOfBlock: Hash.sha256).isEmpty)
        let databases = store.databases
        try store.environment.write { transaction in
            try transaction.delete(databases.blocks, StoreKey.height(2))
            try transaction.put(databases.blockHeights, Hash.sha256(Array("block 3".utf8)).bytes, StoreKey.height(4))
            try transaction.put(databases.blocks, StoreKey.height(4), Array("tampered".utf8))
        }
        let problems = try store.blocks.verify(hashOfBlock: Hash.sha256)
        #expect(problems.contains { $0.height == 2 && $0.detail.contains("block is missing") })
        #expect(problems.contains { $0.height == 3 && $0.detail.contains("hash->height index") })
        #expect(problems.contains { $0.height == 4 && $0.detail.contains("hashes to") })
        #expect(problems.contains { $0.height == nil && $0.detail.contains("3 blocks are stored") })
        #expect(!problems.contains { $0.height == 1 })
    }
}
