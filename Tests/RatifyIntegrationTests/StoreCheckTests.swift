import Foundation
import RatifyCore
import RatifyNode
import RatifyStore
import Testing

/// `ratify store check` on a real chain's store, then on copies with injected damage.
@Suite("store check", .serialized)
struct StoreCheckTests {
    /// A one-validator chain run until it has `blocks` blocks, then stopped.
    static func makeChain(blocks: UInt64, in directory: TemporaryDirectory) throws -> String {
        _ = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let node = NodeProcess(home: directory.path + "/node0")
        try node.start()
        defer { node.kill(SIGKILL) }
        guard eventually(seconds: 60, { node.height >= blocks }) else { throw TestFailure("no blocks: \(node.log.suffix(2_000))") }
        node.kill(SIGTERM)
        return node.home
    }

    /// A copy of `home` whose store `damage` may change through raw LMDB writes.
    static func damagedCopy(of home: String, in directory: TemporaryDirectory, name: String,
                            _ damage: (LMDBEnvironment) throws -> Void) throws -> String {
        let copy = directory.path + "/" + name
        try FileManager.default.copyItem(atPath: home, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/data/ratify.lock")
        let environment = try LMDBEnvironment.open(directory: copy + "/data")
        defer { environment.close() }
        try damage(environment)
        return copy
    }

    static func runCheck(_ home: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = ["store", "check", "--home", home]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func heightKey(_ height: UInt64) -> [UInt8] { withUnsafeBytes(of: height.bigEndian) { Array($0) } }

    @Test("a healthy store passes; a forged commit, a changed balance and a broken parent link are each reported")
    func injectedDamage() throws {
        let directory = try TemporaryDirectory()
        let home = try Self.makeChain(blocks: 6, in: directory)
        let healthy = try Self.runCheck(home)
        #expect(healthy.status == 0, "\(healthy.output)")
        #expect(healthy.output.contains("consistent"))

        // A commit whose signature is flipped no longer proves its block final.
        let forged = try Self.damagedCopy(of: home, in: directory, name: "forged") { environment in
            let commits = try environment.openDatabase(named: "commits")
            try environment.write { transaction in
                guard var bytes = try transaction.get(commits, Self.heightKey(3)) else { throw TestFailure("no commit 3") }
                bytes[bytes.count - 1] ^= 0x01
                try transaction.put(commits, Self.heightKey(3), bytes)
            }
        }
        let forgedCheck = try Self.runCheck(forged)
        #expect(forgedCheck.status == 1)
        #expect(forgedCheck.output.contains("height 3: commit does not prove the block final"), "\(forgedCheck.output)")

        // A ledger value edited behind the node's back no longer hashes to the app hash.
        let edited = try Self.damagedCopy(of: home, in: directory, name: "edited") { environment in
            let state = try environment.openDatabase(named: "state")
            try environment.write { transaction in
                var accountKey: [UInt8]?
                try transaction.forEach(state, from: [1]) { entry in
                    accountKey = entry.key
                    return false
                }
                guard let key = accountKey, var value = try transaction.get(state, key) else { throw TestFailure("no account") }
                value[7] ^= 0x01 // the balance's lowest byte
                try transaction.put(state, key, value)
            }
        }
        let editedCheck = try Self.runCheck(edited)
        #expect(editedCheck.status == 1)
        #expect(editedCheck.output.contains("ledger state does not hash to the stored app hash"), "\(editedCheck.output)")

        // A block swapped for another height's breaks the chain of parent links.
        let swapped = try Self.damagedCopy(of: home, in: directory, name: "swapped") { environment in
            let blocks = try environment.openDatabase(named: "blocks")
            try environment.write { transaction in
                guard let block2 = try transaction.get(blocks, Self.heightKey(2)) else { throw TestFailure("no block 2") }
                try transaction.put(blocks, Self.heightKey(4), block2)
            }
        }
        let swappedCheck = try Self.runCheck(swapped)
        #expect(swappedCheck.status == 1)
        #expect(swappedCheck.output.contains("height 4"), "\(swappedCheck.output)")
    }

    @Test("a node refuses to start on a store whose ledger state was changed behind its back")
    func nodeRefusesEditedState() throws {
        let directory = try TemporaryDirectory()
        let home = try Self.makeChain(blocks: 3, in: directory)
        let edited = try Self.damagedCopy(of: home, in: directory, name: "edited") { environment in
            let state = try environment.openDatabase(named: "state")
            try environment.write { transaction in
                try transaction.put(state, [1] + [UInt8](repeating: 0xab, count: 20), Array(repeating: 0, count: 16))
            }
        }
        let node = NodeProcess(home: edited)
        try node.start()
        node.process.waitUntilExit()
        #expect(node.process.terminationStatus != 0)
        #expect(node.log.contains("does not match block"), "\(node.log.suffix(1_000))")
        #expect(node.log.contains("ratify store copy-signer"))
    }
}
