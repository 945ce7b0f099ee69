import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

@Suite("proof-of-work chain store")
struct PoWChainStoreTests {
    static func key(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func hash(_ label: String) -> Hash { Hash.sha256(Array(label.utf8)) }

    /// A block that sets `balance` to `value` and `at/H` to its label.
    static func connected(_ label: String, height: UInt64, balance: UInt64, before: [[UInt8]: [UInt8]]) -> PoWChainStore.Connected {
        let writes = [
            StateWrite(key: key("balance"), value: Array(String(balance).utf8)),
            StateWrite(key: key("at/\(height)"), value: Array(label.utf8)),
        ]
        return PoWChainStore.Connected(height: height, hash: hash(label), stateWrites: writes,
                                       undo: writes.map { StateWrite(key: $0.key, value: before[$0.key]) },
                                       transactions: [(hash("tx-" + label), Array("loc".utf8))])
    }

    static func state(_ store: NodeStore) throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in try store.state.allEntries() {
            result[String(decoding: entry.key, as: UTF8.self)] = String(decoding: entry.value, as: UTF8.self)
        }
        return result
    }

    @Test("a reorg restores the fork point's state from undo data, then applies the new branch, in one transaction")
    func reorgRestoresForkPoint() throws {
        let directory = try TemporaryDirectory("pow")
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.hash("genesis"))
        defer { store.close() }
        var state: [[UInt8]: [UInt8]] = [:]
        func advance(_ blocks: [PoWChainStore.Connected]) { for block in blocks { for write in block.stateWrites { state[write.key] = write.value } } }

        // Old branch: a1 a2 a3.
        var old: [PoWChainStore.Connected] = []
        for (index, label) in ["a1", "a2", "a3"].enumerated() {
            try store.pow.putBlock(hash: Self.hash(label), bytes: Array(label.utf8))
            let block = Self.connected(label, height: UInt64(index + 1), balance: UInt64(10 * (index + 1)), before: state)
            advance([block])
            old.append(block)
        }
        try store.pow.moveTip(disconnect: [], connect: old, newTip: .init(height: 3, hash: Self.hash("a3"), appHash: Self.hash("app-a3")))
        #expect(try Self.state(store)["balance"] == "30")
        #expect(try store.pow.bestHash(height: 3) == Self.hash("a3"))
        #expect(try store.blocks.transactionLocationBytes(hash: Self.hash("tx-a3")) != nil)

        // New branch from a1: b2 b3 b4 (more work in the caller's eyes).
        var forkState: [[UInt8]: [UInt8]] = [:]
        forkState[Self.key("balance")] = Array("10".utf8)
        forkState[Self.key("at/1")] = Array("a1".utf8)
        var new: [PoWChainStore.Connected] = []
        for (index, label) in ["b2", "b3", "b4"].enumerated() {
            try store.pow.putBlock(hash: Self.hash(label), bytes: Array(label.utf8))
            let block = Self.connected(label, height: UInt64(index + 2), balance: UInt64(100 + index), before: forkState)
            for write in block.stateWrites { forkState[write.key] = write.value }
            new.append(block)
        }
        try store.pow.moveTip(disconnect: [.init(height: 3, hash: Self.hash("a3"), transactionHashes: [Self.hash("tx-a3")]),
                                           .init(height: 2, hash: Self.hash("a2"), transactionHashes: [Self.hash("tx-a2")])],
                              connect: new, newTip: .init(height: 4, hash: Self.hash("b4"), appHash: Self.hash("app-b4")))
        let after = try Self.state(store)
        #expect(after == ["balance": "102", "at/1": "a1", "at/2": "b2", "at/3": "b3", "at/4": "b4"])
        #expect(try store.pow.tip() == .init(height: 4, hash: Self.hash("b4"), appHash: Self.hash("app-b4")))
        #expect(try store.pow.bestHash(height: 2) == Self.hash("b2"))
        #expect(try store.pow.undo(hash: Self.hash("a2")) == nil)
        #expect(try store.blocks.transactionLocationBytes(hash: Self.hash("tx-a3")) == nil)
        #expect(try store.blocks.transactionLocationBytes(hash: Self.hash("tx-b3")) != nil)
        // The losing branch's blocks stay stored by hash (a later reorg may need them back).
        #expect(try store.pow.blockBytes(hash: Self.hash("a3")) == Array("a3".utf8))

        // The new branch's stored undo data leads back to the fork point's values.
        var backState = forkState
        for label in ["b4", "b3", "b2"] {
            let undo = try #require(try store.pow.undo(hash: Self.hash(label)))
            for write in undo { backState[write.key] = write.value }
        }
        #expect(backState[Self.key("balance")] == Array("10".utf8))
        #expect(backState[Self.key("at/2")] == nil)
    }

    @Test("a plan that does not start at the stored tip, skips a height or names an unstored block changes nothing")
    func refusesBadPlans() throws {
        let directory = try TemporaryDirectory("pow")
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.hash("genesis"))
        defer { store.close() }
        try store.pow.putBlock(hash: Self.hash("a1"), bytes: [1])
        let a1 = Self.connected("a1", height: 1, balance: 1, before: [:])
        #expect(throws: StoreError.self) {
            try store.pow.moveTip(disconnect: [], connect: [Self.connected("x1", height: 1, balance: 1, before: [:])],
                                  newTip: .init(height: 1, hash: Self.hash("x1"), appHash: .zero))
        }
        #expect(throws: StoreError.self) {
            try store.pow.moveTip(disconnect: [], connect: [Self.connected("a1", height: 2, balance: 1, before: [:])],
                                  newTip: .init(height: 2, hash: Self.hash("a1"), appHash: .zero))
        }
        #expect(throws: StoreError.self) {
            try store.pow.moveTip(disconnect: [.init(height: 1, hash: Self.hash("a1"), transactionHashes: [])], connect: [],
                                  newTip: .init(height: 0, hash: .zero, appHash: .zero))
        }
        #expect(try store.pow.tip() == nil)
        #expect(try store.state.allEntries().isEmpty)
        try store.pow.moveTip(disconnect: [], connect: [a1], newTip: .init(height: 1, hash: Self.hash("a1"), appHash: .zero))
        #expect(try store.pow.tip()?.height == 1)
    }

    @Test("a damaged tip at height UInt64.max, or a best-chain entry at height 0, is refused as a bad plan, not trapped on")
    func extremeStoredHeights() throws {
        let directory = try TemporaryDirectory("pow")
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.hash("genesis"))
        defer { store.close() }
        let pow = store.pow
        try pow.environment.write { transaction in
            try transaction.put(pow.databases.meta, MetaKey.powTip, StoreKey.height(UInt64.max) + Self.hash("top").bytes + Hash.zero.bytes)
            try transaction.put(pow.databases.powBest, StoreKey.height(0), Self.hash("zero").bytes)
        }
        try pow.putBlock(hash: Self.hash("a1"), bytes: [1])
        #expect(throws: StoreError.self) {
            try pow.moveTip(disconnect: [], connect: [Self.connected("a1", height: 0, balance: 1, before: [:])],
                            newTip: .init(height: 0, hash: Self.hash("a1"), appHash: .zero))
        }
        try pow.environment.write { transaction in
            try transaction.put(pow.databases.meta, MetaKey.powTip, StoreKey.height(0) + Self.hash("zero").bytes + Hash.zero.bytes)
            // Empty undo data, so that only the height stands between this plan and a disconnect.
            try transaction.put(pow.databases.powUndo, Self.hash("zero").bytes, [0, 0, 0, 0])
        }
        #expect(throws: StoreError.self) {
            try pow.moveTip(disconnect: [.init(height: 0, hash: Self.hash("zero"), transactionHashes: [])], connect: [],
                            newTip: .init(height: 0, hash: .zero, appHash: .zero))
        }
        #expect(try pow.tip()?.height == 0)
    }

    @Test("SIGKILL at random instants during reorgs: reopening gives a tip whose stored state names exactly its best chain",
          .timeLimit(.minutes(2)))
    func crashDuringReorgs() throws {
        let directory = try TemporaryDirectory("powcrash")
        defer { directory.remove() }
        let data = directory.sub("data")
        var reportedHeight: UInt64 = 0
        var writingKills = 0
        for cycle in 0..<40 {
            let worker = try WorkerProcess(arguments: ["powchurn", data], logPrefix: directory.sub("powchurn-\(cycle)"))
            if cycle % 2 == 1 { _ = worker.waitForLine(startingWith: "tip", timeoutMillis: 5_000) }
            usleep(UInt32.random(in: 0...60_000))
            let diedOnItsOwn = !worker.process.isRunning
            worker.killAndWait()
            #expect(!diedOnItsOwn, "cycle \(cycle): the worker exited by itself: \(worker.errorText)")
            let tips = worker.outputLines.compactMap { line in line.hasPrefix("tip ") ? UInt64(line.dropFirst(4)) : nil }
            if !tips.isEmpty { writingKills += 1 }
            reportedHeight = max(reportedHeight, tips.max() ?? 0)

            let store = try NodeStore.open(dataDirectory: data, genesisHash: CrashFixture.genesisHash)
            defer { store.close() }
            let tip = try store.pow.tip()
            let height = tip?.height ?? 0
            #expect(height >= reportedHeight, "cycle \(cycle): tip \(height) is below the reported \(reportedHeight)")
            var state: [String: [UInt8]] = [:]
            for entry in try store.state.allEntries() { state[String(decoding: entry.key, as: UTF8.self)] = entry.value }
            guard let tip else {
                #expect(state.isEmpty, "cycle \(cycle): state without a tip")
                continue
            }
            #expect(state["pow/tip"] == tip.hash.bytes, "cycle \(cycle)")
            #expect(state["pow/height"] == withUnsafeBytes(of: height.bigEndian) { Array($0) }, "cycle \(cycle)")
            #expect(state.keys.filter { $0.hasPrefix("pow/at/") }.count == Int(height), "cycle \(cycle)")
            for at in 1...height {
                let best = try #require(try store.pow.bestHash(height: at), "cycle \(cycle): no best block at \(at)")
                #expect(state["pow/at/\(at)"] == best.bytes, "cycle \(cycle): height \(at)")
                #expect(try store.pow.undo(hash: best) != nil && store.pow.blockBytes(hash: best) != nil, "cycle \(cycle)")
            }
            #expect(try store.pow.bestHash(height: height + 1) == nil, "cycle \(cycle)")
        }
        #expect(writingKills >= 15, "most kills must land while the worker is reorganizing")
        #expect(reportedHeight > 0)
    }
}
