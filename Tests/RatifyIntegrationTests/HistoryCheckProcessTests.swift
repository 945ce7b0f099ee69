import Foundation
import RatifyCore
import RatifyNode
import RatifyStore
import Testing

/// `ratify check history` and `ratify store truncate-wal` on real stores made by a real node.
@Suite("history check on real stores", .serialized)
struct HistoryCheckProcessTests {
    static func ratify(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func walRecords(_ home: String, _ genesis: Genesis) throws -> Int {
        let store = try NodeStore.open(dataDirectory: home + "/data", genesisHash: genesis.genesisHash)
        defer { store.close() }
        return try store.wal.recordCount()
    }

    @Test("negative control: a copy whose app hash was rewritten at one height is reported as exactly that disagreement")
    func negativeControl() throws {
        let directory = try TemporaryDirectory()
        let home = try StoreCheckTests.makeChain(blocks: 6, in: directory)
        let twin = try StoreCheckTests.damagedCopy(of: home, in: directory, name: "twin") { _ in }
        let forgedAppHash = Hash.sha256(Array("not the app hash".utf8))
        let forged = try StoreCheckTests.damagedCopy(of: home, in: directory, name: "forged") { environment in
            let appHashes = try environment.openDatabase(named: "app_hashes")
            try environment.write { transaction in
                guard try transaction.get(appHashes, StoreCheckTests.heightKey(4)) != nil else { throw TestFailure("no app hash at 4") }
                try transaction.put(appHashes, StoreCheckTests.heightKey(4), forgedAppHash.bytes)
            }
        }

        let healthy = try Self.ratify(["check", "history", "--homes", "\(home),\(twin)"])
        #expect(healthy.status == 0, "\(healthy.output)")
        #expect(healthy.output.contains("agreement: identical") && healthy.output.contains("history: OK"))

        let json = directory.path + "/report.json"
        let damaged = try Self.ratify(["check", "history", "--homes", "\(home),\(twin),\(forged)", "--json-file", json])
        #expect(damaged.status == 1)
        #expect(damaged.output.contains("agreement: 1 height(s) DISAGREE"), "\(damaged.output)")
        #expect(damaged.output.contains("height 4: app hash differs"), "\(damaged.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let disagreements = try #require(report["disagreements"] as? [[String: Any]])
        #expect(disagreements.count == 1)
        let only = try #require(disagreements.first)
        #expect(only["height"] as? Int == 4 && only["field"] as? String == "app hash")
        let values = try #require(only["values"] as? [String: String])
        #expect(values[forged]?.hasSuffix("/" + forgedAppHash.hex) == true)
        #expect(values[home] == values[twin] && values[home] != values[forged])
        #expect((report["double_signs"] as? [Any])?.isEmpty == true)

        // --json: the same report on standard output instead of the text, and the same exit status.
        let printed = try RatifyCLI.run(["check", "history", "--homes", "\(home),\(twin),\(forged)", "--json"])
        #expect(printed.status == 1)
        #expect(printed.stdout == (try String(contentsOfFile: json, encoding: .utf8)), "\(printed)")
    }

    @Test("a node whose newest WAL records were truncated while it was down restarts, finalizes on, and its store checks clean")
    func truncatedWALRestart() throws {
        let directory = try TemporaryDirectory()
        let home = try StoreCheckTests.makeChain(blocks: 4, in: directory)
        let stoppedAt = NodeProcess(home: home).height
        let genesis = try NodeHome(home).loadGenesis()
        let before = try Self.walRecords(home, genesis)
        let truncated = try Self.ratify(["store", "truncate-wal", "--home", home, "--records", "2"])
        #expect(truncated.status == 0, "\(truncated.output)")
        let deleted = min(2, before)
        #expect(truncated.output.contains("deleted the newest \(deleted) WAL record(s); \(before - deleted) remain"), "\(truncated.output)")
        #expect(try Self.walRecords(home, genesis) == before - deleted)
        let refused = try Self.ratify(["store", "truncate-wal", "--home", home, "--records", "0"])
        #expect(refused.status == 1 && refused.output.contains("--records must be positive"))

        let node = NodeProcess(home: home)
        try node.start()
        defer { node.kill(SIGKILL) }
        #expect(eventually(seconds: 60) { node.height >= stoppedAt + 3 }, "\(node.log.suffix(2_000))")
        node.kill(SIGTERM)
        let check = try Self.ratify(["store", "check", "--home", home])
        #expect(check.status == 0, "\(check.output)")
    }
}
