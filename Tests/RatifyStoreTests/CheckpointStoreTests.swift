import RatifyCore
import Testing
@testable import RatifyStore

@Suite("hybrid chains: checkpoint signer state and votes on disk")
struct CheckpointStoreTests {
    static let genesis = Hash.sha256(Array("checkpoint store test genesis".utf8))

    @Test("the checkpoint signer state survives reopening, beside the PoS signer state; a damaged record is an error")
    func signerState() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        #expect(try store.checkpointSigner.lastSigned() == nil)
        try store.checkpointSigner.record(sourceEpoch: 3, targetEpoch: 4)
        try store.checkpointSigner.record(sourceEpoch: 4, targetEpoch: 0x1_0000_0005)
        #expect(try store.signer.lastSigned() == nil)
        store.close()

        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let signed = try #require(try store.checkpointSigner.lastSigned())
        #expect(signed.sourceEpoch == 4 && signed.targetEpoch == 0x1_0000_0005)
        let database = store.databases.signer
        try store.environment.write { try $0.put(database, CheckpointSignerStore.stateKey, [1, 2, 3]) }
        #expect(throws: StoreError.self) { try store.checkpointSigner.lastSigned() }
    }

    @Test("counted votes come back by target epoch, one per validator and epoch, and pruning drops those below an epoch")
    func votes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keys = [KeyPair.generate(), KeyPair.generate()]
        func vote(_ key: KeyPair, _ source: UInt64, _ target: UInt64) -> CheckpointVote {
            CheckpointVote.signed(chainID: "store-test", key: key, source: Checkpoint(epoch: source, blockHash: Hash.sha256([UInt8(source)])),
                                  target: Checkpoint(epoch: target, blockHash: Hash.sha256([UInt8(target)])))
        }
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        for target in [3, 1, 2] as [UInt64] {
            for key in keys { try store.checkpointVotes.put(vote(key, target - 1, target)) }
        }
        // The same validator and target epoch again replaces, it does not add.
        try store.checkpointVotes.put(vote(keys[0], 0, 3))
        store.close()

        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let all = try store.checkpointVotes.all()
        #expect(all.count == 6)
        #expect(all.map(\.target.epoch) == [1, 1, 2, 2, 3, 3])
        #expect(all.contains(vote(keys[0], 0, 3)) && !all.contains(vote(keys[0], 2, 3)))
        try store.checkpointVotes.prune(targetEpochBelow: 3)
        #expect(try store.checkpointVotes.all().map(\.target.epoch) == [3, 3])
    }
}
