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

    @Test("a data file that ends before pages LMDB allocated and freed in one transaction opens (they are free); cut further, it is truncated")
    func unwrittenFreeTail() throws {
        let root = try TemporaryDirectory("corrupt")
        defer { root.remove() }
        let path = root.sub("free-tail")
        let environment = try LMDBEnvironment.open(directory: path)
        let database = try environment.openDatabase(named: "data")
        try environment.write { try $0.put(database, [1], [1]) }
        // A few free pages first: LMDB returns pages freed in the transaction that took them to
        // its free list without writing them only once that list is in use.
        try environment.write { try $0.put(database, [3], [UInt8](repeating: 3, count: 4 * Self.pageBytes)) }
        try environment.write { _ = try $0.delete(database, [3]) }
        // More overflow pages than are free, so taken from the end of the file, and freed before
        // the commit: LMDB lists them as free and never writes them, as pruning's deletes can.
        try environment.write { transaction in
            try transaction.put(database, [2], [UInt8](repeating: 7, count: 16 * Self.pageBytes))
            _ = try transaction.delete(database, [2])
        }
        environment.close()
        let size = try #require(DataFileIntegrity.fileSize(path + "/data.mdb"))
        #expect(size < (Int(try Self.newestMetaLastPage(path + "/data.mdb")) + 1) * Self.pageBytes,
                "the precondition: the file ends before the last page the meta names")

        #expect(Self.reason(opening: path) == nil)
        let reopened = try LMDBEnvironment.open(directory: path)
        let reopenedDatabase = try reopened.openDatabase(named: "data")
        let stored = try reopened.read { try $0.get(reopenedDatabase, [1]) }
        reopened.close()
        #expect(stored == [1])

        #expect(truncate(path + "/data.mdb", off_t(3 * Self.pageBytes)) == 0)
        #expect(Self.reason(opening: path)?.contains("but its pages reach") == true)
    }

    /// The last page in use that the newest of the two meta pages names (liblmdb's layout:
    /// the meta record after a 16-byte page header, its last page at 136, its transaction at 144).
    static func newestMetaLastPage(_ file: String) throws -> UInt64 {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        func u64(_ offset: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) } }
        let metas = [0, pageBytes]
        let newest = metas.max { u64($0 + 144) < u64($1 + 144) } ?? 0
        return u64(newest + 136)
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
