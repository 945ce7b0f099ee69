import RatifyCore
import Testing
@testable import RatifyStore

@Suite("reset (unsafe-reset-all)")
struct ResetTests {
    static let genesis = Hash.sha256(Array("reset test genesis".utf8))

    @Test("reset empties blocks, state, indexes and the WAL in a real store; the signer state stays and still refuses regressions")
    func resetKeepsSigner() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = KeyPair.generate()
        let signed = Array("precommit h3 r1 block A".utf8)
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        for height in 1...3 { try BlockStoreTests.commitHeight(store, UInt64(height), stateWrites: [.set([UInt8(height)], [1])]) }
        _ = try store.wal.append(height: 4, record: [4, 4])
        let signature = try store.signer.authorize(height: 3, round: 1, step: .precommit, signBytes: signed, sign: key.sign)
        let before = try store.signer.lastSigned()

        let summary = try store.resetChain()
        #expect(summary.latestHeightBefore == 3)
        #expect(summary.signerKept == SignPosition(height: 3, round: 1, step: .precommit))
        store.close()

        // Reopened as a node would: the same genesis is accepted, the chain is empty.
        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(try store.blocks.latestHeight() == 0)
        #expect(try store.blocks.blockBytes(height: 1) == nil)
        #expect(try store.blocks.commitBytes(height: 3) == nil)
        #expect(try store.blocks.height(blockHash: Hash.sha256(Array("block 2".utf8))) == nil)
        #expect(try store.state.appHash(height: 3) == nil)
        #expect(try store.state.entries(prefix: [], limit: 10).isEmpty)
        #expect(try store.wal.recordCount() == 0)
        for database in store.chainDerived {
            #expect(try store.environment.read { try $0.count(database) } == 0, "\(database) is not empty")
        }
        // The signer state is unchanged, so nothing at or below it is signed again.
        #expect(try store.signer.lastSigned() == before)
        #expect(throws: SignerRefusal.self) {
            try store.signer.authorize(height: 1, round: 0, step: .prevote, signBytes: Array("prevote h1".utf8), sign: key.sign)
        }
        #expect(throws: SignerRefusal.self) {
            try store.signer.authorize(height: 3, round: 1, step: .precommit, signBytes: Array("precommit h3 r1 block B".utf8),
                                       sign: key.sign)
        }
        #expect(try store.signer.authorize(height: 3, round: 1, step: .precommit, signBytes: signed, sign: key.sign) == signature)
        // The chain starts again at height 1.
        try BlockStoreTests.commitHeight(store, 1)
        #expect(try store.blocks.latestHeight() == 1)
    }

    @Test("every named database is either emptied by reset or one of the two it keeps")
    func everyDatabaseDecided() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let emptied = Set(store.chainDerived.map(\.name))
        #expect(emptied.isDisjoint(with: ["meta", "signer"]))
        #expect(emptied.union(["meta", "signer"]) == Set(ChainDatabases.names))
    }
}
