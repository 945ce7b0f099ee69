import Foundation
import RatifyCore
import RatifyStore
import Testing

/// Snapshot files beside the store: written whole or not at all, listed newest first, pruned to
/// the newest few, every chunk checked against its manifest when read.
@Suite("snapshot store")
struct SnapshotStoreTests {
    static func pairs(_ count: Int) -> [(key: [UInt8], value: [UInt8])] {
        (0..<count).map { index in ([0x01] + withUnsafeBytes(of: UInt32(index).bigEndian, Array.init), [UInt8](repeating: UInt8(index % 251), count: 40)) }
    }

    @Test("state chunks split near the target, keep key order and decode to the same pairs; garbage does not decode")
    func chunking() throws {
        let pairs = Self.pairs(100)
        let chunks = SnapshotChunk.state(pairs, targetBytes: 1_000)
        #expect(chunks.count > 5 && chunks.allSatisfy { $0.count <= 1_000 })
        let decoded = try chunks.flatMap { try SnapshotChunk.decodeState($0) }
        #expect(decoded.map(\.key) == pairs.map(\.key) && decoded.map(\.value) == pairs.map(\.value))
        #expect(throws: (any Error).self) { try SnapshotChunk.decodeState([0, 0, 0, 9, 1]) }
        #expect(throws: (any Error).self) { try SnapshotChunk.decodeChain([0xFF, 0xFF, 0xFF, 0xFF]) }
        let sets = [[UInt8(1)], [2, 3], [4]]
        #expect(try SnapshotChunk.decodeChain(SnapshotChunk.chain(validatorSets: sets)) == sets)
    }

    @Test("written snapshots are listed newest first and served chunk by chunk; keep_recent prunes the oldest; a partial write is never listed")
    func writeListPrune() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SnapshotStore(dataDirectory: directory.path)
        #expect(store.list().isEmpty)
        for height in [30, 60, 90] as [UInt64] {
            let chunks = [[UInt8(height)]] + SnapshotChunk.state(Self.pairs(20), targetBytes: 300)
            try store.write(height: height, appHash: Hash.sha256([UInt8(height)]), blockHash: Hash.sha256([1]), stateEntries: 20, chunks: chunks)
        }
        // A crash mid-write leaves a partial directory: not a snapshot, and the next write removes it.
        try FileManager.default.createDirectory(atPath: store.directory + "/.partial-120", withIntermediateDirectories: true)
        #expect(store.list().map(\.height) == [90, 60, 30])
        let manifest = try #require(try store.manifest(height: 60))
        #expect(try store.chunk(height: 60, index: 0) == [60])
        #expect(try store.chunk(height: 60, index: manifest.chunkHashes.count) == nil)
        #expect(try store.chunk(height: 45, index: 0) == nil)
        #expect(try store.prune(keepRecent: 2) == [30])
        #expect(store.list().map(\.height) == [90, 60])
        try store.write(height: 150, appHash: Hash.sha256([0]), blockHash: Hash.sha256([1]), stateEntries: 0, chunks: [[1]])
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/.partial-120"))
        #expect(store.check().isEmpty)
    }

    @Test("a damaged chunk or manifest is reported, never served")
    func damage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SnapshotStore(dataDirectory: directory.path)
        try store.write(height: 10, appHash: Hash.sha256([1]), blockHash: Hash.sha256([2]), stateEntries: 3,
                        chunks: [[1, 2, 3], SnapshotChunk.state(Self.pairs(3))[0]])
        let chunkFile = store.directory + "/10/chunk-1"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: chunkFile)))
        bytes[5] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: chunkFile))
        #expect(throws: StoreError.self) { try store.chunk(height: 10, index: 1) }
        #expect(try store.chunk(height: 10, index: 0) == [1, 2, 3])
        #expect(store.check().first?.contains("chunk does not hash") == true)
        try Data([0xDE, 0xAD]).write(to: URL(fileURLWithPath: store.directory + "/10/manifest"))
        #expect(throws: StoreError.self) { try store.manifest(height: 10) }
        #expect(store.list().isEmpty)
    }
}
