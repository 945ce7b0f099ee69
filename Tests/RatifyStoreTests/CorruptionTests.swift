import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

@Suite("damaged data files")
struct CorruptionTests {
    static let genesis = Hash.sha256(Array("corruption test genesis".utf8))
    static let pageBytes = DataFileIntegrity.pageBytes()

    /// Builds a store of 30 blocks of 8 KB (well past the two meta pages) and closes it.
    static func makeStore(_ directory: String) throws {
        let store = try NodeStore.open(dataDirectory: directory, genesisHash: genesis)
        defer { store.close() }
        for height in UInt64(1)...30 {
            let block = [UInt8](repeating: UInt8(height), count: 8_000)
            try store.blocks.commit(height: height, blockBytes: block, commitBytes: [1], blockHash: Hash.sha256(block),
                                    stateWrites: [.set([1], [UInt8(height)])], appHash: .zero)
        }
    }

    /// Copies the store's files into a fresh sibling directory and returns its path.
    static func copy(_ source: String, into root: TemporaryDirectory, _ name: String) throws -> String {
        let target = root.sub(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in [DataFileIntegrity.dataFileName, DataFileIntegrity.markerFileName] {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
        return target
    }

    static func reason(opening directory: String) -> String? {
        do {
            let store = try NodeStore.open(dataDirectory: directory, genesisHash: genesis)
            store.close()
            return nil
        } catch let StoreError.corrupted(_, reason) {
            return reason
        } catch {
            return "unexpected error: \(error)"
        }
    }

    @Test("an intact copy opens and verifies, so the damage below is what the checks catch")
    func intactCopyOpens() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        try Self.makeStore(root.sub("original"))
        let copy = try Self.copy(root.sub("original"), into: root, "copy")
        let store = try NodeStore.open(dataDirectory: copy, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(try store.blocks.latestHeight() == 30)
        #expect(try store.blocks.verify(hashOfBlock: Hash.sha256).isEmpty)
    }

    @Test("a data file shorter than its header is reported as truncated")
    func truncatedHeader() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        try Self.makeStore(root.sub("original"))
        let copy = try Self.copy(root.sub("original"), into: root, "copy")
        #expect(truncate(copy + "/data.mdb", 100) == 0)
        let reason = Self.reason(opening: copy)
        #expect(reason?.contains("100 bytes, shorter than its") == true, "\(String(describing: reason))")
    }

    @Test("a data file cut after its meta pages is reported as truncated instead of faulting later")
    func truncatedBody() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        try Self.makeStore(root.sub("original"))
        let copy = try Self.copy(root.sub("original"), into: root, "copy")
        #expect(truncate(copy + "/data.mdb", off_t(3 * Self.pageBytes)) == 0)
        let reason = Self.reason(opening: copy)
        #expect(reason?.contains("but its pages reach") == true, "\(String(describing: reason))")
    }

    @Test("overwritten meta pages are reported as a damaged header")
    func overwrittenHeader() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        try Self.makeStore(root.sub("original"))
        let copy = try Self.copy(root.sub("original"), into: root, "copy")
        let handle = try #require(FileHandle(forWritingAtPath: copy + "/data.mdb"))
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2 * Self.pageBytes))
        try handle.close()
        let reason = Self.reason(opening: copy)
        #expect(reason?.contains("not an LMDB file or its header is damaged") == true, "\(String(describing: reason))")
    }

    @Test("a deleted data file is reported as missing, not re-created empty")
    func missingDataFile() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        try Self.makeStore(root.sub("original"))
        let copy = try Self.copy(root.sub("original"), into: root, "copy")
        try FileManager.default.removeItem(atPath: copy + "/data.mdb")
        let reason = Self.reason(opening: copy)
        #expect(reason?.contains("data.mdb is missing") == true, "\(String(describing: reason))")
        #expect(!FileManager.default.fileExists(atPath: copy + "/data.mdb"))
    }

    @Test("the corruption error tells the operator what to do")
    func messageSaysWhatToDo() throws {
        let error = StoreError.corrupted(path: "/x/data", reason: "data.mdb is missing")
        #expect(error.description == "store at /x/data is damaged: data.mdb is missing; move data/ aside and keep it (it holds the signer state), restore data/ from a backup or let the node re-sync, then run `ratify store copy-signer --from <moved data> --home <home>` before `ratify start` (docs/STORAGE.md, \"A damaged store\")")
    }

    @Test("an empty data file in a directory that never held a store is initialised as new")
    func emptyFileBeforeFirstOpen() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        let directory = root.sub("fresh")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: directory + "/data.mdb", contents: Data()))
        let store = try NodeStore.open(dataDirectory: directory, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(try store.blocks.latestHeight() == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/" + DataFileIntegrity.markerFileName))
    }
}
