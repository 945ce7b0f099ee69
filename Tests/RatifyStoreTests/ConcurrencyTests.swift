import Dispatch
import Synchronization
import Testing
@testable import RatifyStore

@Suite("LMDB environment under concurrent use")
struct ConcurrencyTests {
    @Test("readers on other threads see whole transactions while a writer grows the map underneath them")
    func readersDuringGrowth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path, options: LMDBOptions(mapBytesInitial: 64 << 10))
        defer { environment.close() }
        let database = try environment.openDatabase(named: "pairs")
        let failures = Mutex<[String]>([])
        let writes = 300
        let value = [UInt8](repeating: 0xCD, count: 1_500)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                if worker == 0 {
                    // Each transaction writes a pair of keys; readers must never see half a pair.
                    for index in 0..<writes {
                        try environment.write { transaction in
                            try transaction.put(database, StoreKey.walRecord(height: UInt64(index), sequence: 0), value)
                            try transaction.put(database, StoreKey.walRecord(height: UInt64(index), sequence: 1), value)
                        }
                    }
                } else {
                    for _ in 0..<writes {
                        let count = try environment.read { try $0.count(database) }
                        if count % 2 != 0 { failures.withLock { $0.append("reader saw \(count) entries") } }
                    }
                }
            } catch {
                failures.withLock { $0.append("worker \(worker): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(try environment.read { try $0.count(database) } == 2 * writes)
        #expect(try environment.mapBytes() > 64 << 10)
    }
}
