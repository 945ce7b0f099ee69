import CLMDB
import Foundation
import Testing
@testable import RatifyStore

@Suite("LMDB environment")
struct LMDBEnvironmentTests {
    struct Boom: Error {}

    static func get(_ environment: LMDBEnvironment, _ database: LMDBDatabase, _ key: [UInt8]) throws -> [UInt8]? {
        try environment.read { try $0.get(database, key) }
    }

    static func count(_ environment: LMDBEnvironment, _ database: LMDBDatabase) throws -> Int {
        try environment.read { try $0.count(database) }
    }

    @Test("values round-trip through put, get and delete, and survive closing and reopening")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        let database = try environment.openDatabase(named: "things")
        try environment.write { transaction in
            try transaction.put(database, [1], [10, 11])
            try transaction.put(database, [2], [])
            try transaction.put(database, [3], [30])
        }
        let deleted = try environment.write { try $0.delete(database, [3]) }
        let deletedAgain = try environment.write { try $0.delete(database, [3]) }
        #expect(deleted)
        #expect(!deletedAgain)
        environment.close()

        let reopened = try LMDBEnvironment.open(directory: directory.path)
        defer { reopened.close() }
        let again = try reopened.openDatabase(named: "things")
        #expect(try Self.get(reopened, again, [1]) == [10, 11])
        #expect(try Self.get(reopened, again, [2]) == [])
        #expect(try Self.get(reopened, again, [3]) == nil)
        #expect(try Self.count(reopened, again) == 2)
    }

    @Test("commits whose meta flush waits for the next durable one read back at once, grow the map, and survive a close")
    func deferredMetaSync() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path, options: LMDBOptions(mapBytesInitial: 64 << 10))
        let database = try environment.openDatabase(named: "things")
        let value = [UInt8](repeating: 0xCD, count: 1_000)
        // Alternating, so each durable commit follows a deferred one; the big one grows the map.
        for index in 0..<40 {
            let sync: LMDBCommitSync = index.isMultiple(of: 2) ? .durableWithNextDurableCommit : .durable
            try environment.write(sync: sync) { try $0.put(database, StoreKey.height(UInt64(index)), value) }
            #expect(try Self.get(environment, database, StoreKey.height(UInt64(index))) == value)
        }
        try environment.write(sync: .durableWithNextDurableCommit) { transaction in
            for index in 40..<400 { try transaction.put(database, StoreKey.height(UInt64(index)), value) }
        }
        #expect(try environment.mapBytes() > 64 << 10)
        // The last commit before the close is a deferred one: the close flushes it.
        environment.close()

        let reopened = try LMDBEnvironment.open(directory: directory.path)
        defer { reopened.close() }
        let again = try reopened.openDatabase(named: "things")
        #expect(try Self.count(reopened, again) == 400)
        #expect(try Self.get(reopened, again, StoreKey.height(399)) == value)
    }

    @Test("big-endian height keys scan in numeric order, from a start key and backwards from the end")
    func cursorOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        defer { environment.close() }
        let database = try environment.openDatabase(named: "heights")
        let heights: [UInt64] = [300, 1, 256, 255, 70_000, 2]
        try environment.write { transaction in
            for height in heights { try transaction.put(database, StoreKey.height(height), [UInt8(truncatingIfNeeded: height)]) }
        }
        var all: [UInt64] = []
        var fromTwoFiftySix: [UInt64] = []
        try environment.read { transaction in
            try transaction.forEach(database) { entry in
                all.append(StoreKey.decodeHeight(entry.key) ?? 0)
                return true
            }
            try transaction.forEach(database, from: StoreKey.height(256)) { entry in
                fromTwoFiftySix.append(StoreKey.decodeHeight(entry.key) ?? 0)
                return fromTwoFiftySix.count < 2
            }
        }
        let moves = try environment.read { transaction in
            try transaction.withCursor(database) { cursor in
                [try cursor.last(), try cursor.previous(), try cursor.seek(atOrAfter: StoreKey.height(70_001))]
            }
        }
        #expect(moves.map { $0.flatMap { StoreKey.decodeHeight($0.key) } } == [70_000, 300, nil])
        #expect(try environment.read { try $0.last(database) }.flatMap { StoreKey.decodeHeight($0.key) } == 70_000)
        #expect(all == heights.sorted())
        #expect(fromTwoFiftySix == [256, 300])
    }

    @Test("a write closure that throws leaves nothing behind")
    func abortedWrite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        defer { environment.close() }
        let database = try environment.openDatabase(named: "things")
        #expect(throws: Boom.self) {
            try environment.write { transaction in
                try transaction.put(database, [1], [1])
                try transaction.put(database, [2], [2])
                throw Boom()
            }
        }
        #expect(try Self.get(environment, database, [1]) == nil)
        #expect(try Self.get(environment, database, [2]) == nil)
    }

    @Test("liblmdb failures carry the code and mdb_strerror's message")
    func errorMapping() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        defer { environment.close() }
        let database = try environment.openDatabase(named: "things")
        let error = #expect(throws: LMDBError.self) {
            try environment.write { try $0.put(database, [], [1]) }
        }
        #expect(error?.code == MDB_BAD_VALSIZE)
        #expect(error?.message.contains("Unsupported size") == true)
        #expect(error?.description.contains(environment.path) == true)
    }

    @Test("the map doubles on MDB_MAP_FULL and the write is retried until it fits")
    func mapGrowth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path, options: LMDBOptions(mapBytesInitial: 64 << 10))
        defer { environment.close() }
        let database = try environment.openDatabase(named: "bulk")
        let initial = try environment.mapBytes()
        let value = [UInt8](repeating: 0xAB, count: 1_000)
        // 2 MB in one transaction, then more in many small ones.
        try environment.write { transaction in
            for index in 0..<2_000 { try transaction.put(database, StoreKey.height(UInt64(index)), value) }
        }
        for index in 2_000..<2_500 {
            try environment.write { try $0.put(database, StoreKey.height(UInt64(index)), value) }
        }
        #expect(try environment.mapBytes() > initial * 16)
        #expect(try Self.count(environment, database) == 2_500)
        #expect(try Self.get(environment, database, StoreKey.height(1_999)) == value)
        #expect(try Self.get(environment, database, StoreKey.height(2_499)) == value)
    }

    @Test("a write larger than the map limit fails with mapSizeLimit and stores nothing")
    func mapLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = LMDBOptions(mapBytesInitial: 64 << 10, mapBytesMax: 256 << 10)
        let environment = try LMDBEnvironment.open(directory: directory.path, options: options)
        defer { environment.close() }
        let database = try environment.openDatabase(named: "bulk")
        let value = [UInt8](repeating: 1, count: 1_000)
        let error = #expect(throws: StoreError.self) {
            try environment.write { transaction in
                for index in 0..<1_000 { try transaction.put(database, StoreKey.height(UInt64(index)), value) }
            }
        }
        guard case .mapSizeLimit = error else {
            Issue.record("expected mapSizeLimit, got \(String(describing: error))")
            return
        }
        #expect(try environment.read { try $0.count(database) } == 0)
        #expect(try environment.mapBytes() == 256 << 10)
    }

    @Test("deleteRange removes exactly the keys in [start, end) across many pages")
    func deleteRange() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        defer { environment.close() }
        let database = try environment.openDatabase(named: "range")
        let value = [UInt8](repeating: 9, count: 200)
        try environment.write { transaction in
            for index in 0..<3_000 { try transaction.put(database, StoreKey.height(UInt64(index)), value) }
        }
        let deleted = try environment.write {
            try $0.deleteRange(database, from: StoreKey.height(100), below: StoreKey.height(2_900))
        }
        #expect(deleted == 2_800)
        #expect(try Self.count(environment, database) == 200)
        #expect(try Self.get(environment, database, StoreKey.height(99)) == value)
        #expect(try Self.get(environment, database, StoreKey.height(100)) == nil)
        #expect(try Self.get(environment, database, StoreKey.height(2_899)) == nil)
        #expect(try Self.get(environment, database, StoreKey.height(2_900)) == value)
    }

    @Test("opening one directory twice in a process is refused until the first is closed")
    func onePerProcess() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try LMDBEnvironment.open(directory: directory.path)
        #expect(throws: StoreError.alreadyOpenInProcess(path: first.path)) {
            _ = try LMDBEnvironment.open(directory: directory.path + "/.")
        }
        first.close()
        let second = try LMDBEnvironment.open(directory: directory.path)
        #expect(second.isOpen)
        second.close()
    }

    @Test("a write inside another transaction, an escaped transaction and a closed environment are errors")
    func misuse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        let database = try environment.openDatabase(named: "things")
        #expect(throws: StoreError.nestedTransaction(path: environment.path)) {
            try environment.read { _ in
                try environment.write { try $0.put(database, [1], [1]) }
            }
        }
        // Nested reads are allowed (MDB_NOTLS).
        let nested = try environment.read { _ in try environment.read { try $0.get(database, [1]) } }
        #expect(nested == nil)
        let escaped = try environment.read { $0 }
        #expect(throws: StoreError.transactionFinished(path: environment.path)) {
            _ = try escaped.get(database, [1])
        }
        environment.close()
        #expect(throws: StoreError.environmentClosed(path: environment.path)) {
            _ = try environment.read { try $0.get(database, [1]) }
        }
    }
}
