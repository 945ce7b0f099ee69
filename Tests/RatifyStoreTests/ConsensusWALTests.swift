import RatifyCore
import Testing
@testable import RatifyStore

@Suite("consensus WAL")
struct ConsensusWALTests {
    static let genesis = Hash.sha256(Array("wal test genesis".utf8))

    @Test("records replay per height in append order, past 256 records, after reopening")
    func appendAndReplay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        try store.wal.append(height: 4, record: [4])
        for index in 0..<300 {
            let sequence = try store.wal.append(height: 5, record: Array("r\(index)".utf8))
            #expect(sequence == UInt64(index))
        }
        try store.wal.append(height: 6, record: [6])
        #expect(try store.wal.append(height: 4, record: [44]) == 1)
        store.close()

        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let five = try store.wal.records(height: 5)
        #expect(five == (0..<300).map { Array("r\($0)".utf8) })
        #expect(try store.wal.records(height: 4) == [[4], [44]])
        #expect(try store.wal.records(height: 6) == [[6]])
        #expect(try store.wal.records(height: 7) == [])
        #expect(try store.wal.heightRange() == 4...6)
    }

    @Test("truncateNewest drops the newest records across heights, keeps the older ones, and appends resume after them")
    func truncateNewest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        for index in 0..<4 { try store.wal.append(height: 7, record: [7, UInt8(index)]) }
        for index in 0..<2 { try store.wal.append(height: 8, record: [8, UInt8(index)]) }
        #expect(try store.wal.truncateNewest(3) == 3)
        #expect(try store.wal.records(height: 8) == [])
        #expect(try store.wal.records(height: 7) == [[7, 0], [7, 1], [7, 2]])
        #expect(try store.wal.recordCount() == 3)
        #expect(try store.wal.append(height: 7, record: [7, 9]) == 3)
        #expect(try store.wal.truncateNewest(100) == 4)
        #expect(try store.wal.heightRange() == nil)
        #expect(try store.wal.truncateNewest(1) == 0)
    }

    @Test("trim deletes every height below the given one and keeps the rest")
    func trim() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        for height in UInt64(1)...5 {
            try store.wal.append(height: height, record: [UInt8(height)])
            try store.wal.append(height: height, record: [UInt8(height), 1])
        }
        #expect(try store.wal.trim(below: 4) == 6)
        #expect(try store.wal.records(height: 3) == [])
        #expect(try store.wal.records(height: 4) == [[4], [4, 1]])
        #expect(try store.wal.heightRange() == 4...5)
        #expect(try store.wal.trim(below: 4) == 0)
        #expect(try store.wal.trim(below: UInt64.max) == 4)
        #expect(try store.wal.heightRange() == nil)
    }

    @Test("a record over the size cap is refused")
    func recordCap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let oversized = [UInt8](repeating: 0, count: ConsensusWAL.recordBytesMax + 1)
        #expect(throws: StoreError.valueTooLarge(database: "wal", length: oversized.count, max: ConsensusWAL.recordBytesMax)) {
            try store.wal.append(height: 1, record: oversized)
        }
        #expect(try store.wal.heightRange() == nil)
    }
}
