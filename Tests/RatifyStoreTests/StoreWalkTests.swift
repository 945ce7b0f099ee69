import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

/// `StoreWalk` in a real child process (RatifyStoreCrashWorker `walk`/`signer`), on real LMDB
/// files, and `NodeStore.adoptSignerRecords`.
@Suite("store walk in a child process")
struct StoreWalkTests {
    static let genesis = Hash.sha256(Array("store walk test genesis".utf8))
    static let key = KeyPair(seed: [UInt8](repeating: 9, count: 32))

    /// A closed store of 40 heights whose validator last signed (`signedHeight`, 0, precommit)
    /// and, when `epochs` is given, a checkpoint vote.
    static func makeStore(_ directory: String, heights: UInt64 = 40, signedHeight: UInt64, epochs: (UInt64, UInt64)? = nil) throws {
        let store = try NodeStore.open(dataDirectory: directory, genesisHash: genesis)
        defer { store.close() }
        for height in 1...heights {
            let block = Array("block \(height)".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: height), count: Int(height % 5) * 1_500)
            try store.blocks.commit(height: height, blockBytes: block, commitBytes: Array("commit \(height)".utf8), blockHash: Hash.sha256(block),
                                    stateWrites: [.set(Array("account/\(height % 8)".utf8), Array("balance \(height)".utf8))],
                                    appHash: Hash.sha256(Array("app \(height)".utf8)))
        }
        try sign(store, height: signedHeight, step: .precommit)
        if let (source, target) = epochs { try store.checkpointSigner.record(sourceEpoch: source, targetEpoch: target) }
    }

    static func sign(_ store: NodeStore, height: UInt64, step: SignStep) throws {
        let key = try #require(Self.key)
        _ = try store.signer.authorize(height: height, round: 0, step: step, signBytes: Array("vote \(height) \(step)".utf8)) { key.sign($0) }
    }

    static func worker() throws -> String {
        try #require(WorkerProcess.executableURL()?.path, "RatifyStoreCrashWorker is built next to the tests")
    }

    @Test("a healthy store is walked in a child: every table and entry, no damage")
    func healthyStore() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        try Self.makeStore(root.sub("data"), signedHeight: 40)
        let line = try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: try Self.worker(), arguments: ["walk", root.sub("data")])
        // 15 named tables; 40 heights write at least block, commit, both indexes and app hash.
        #expect(line?.hasPrefix("ok tables=15 entries=") == true, "\(String(describing: line))")
        let entries = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("entries=") } }.flatMap { Int($0.dropFirst("entries=".count)) }
        #expect((entries ?? 0) >= 40 * 5, "\(String(describing: line))")
        // The walk took and released ratify.lock: the store opens again.
        let store = try NodeStore.open(dataDirectory: root.sub("data"), genesisHash: Self.genesis)
        store.close()
    }

    @Test("a store whose pages past the meta pages are all overwritten is refused as damaged")
    func overwrittenPages() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        try Self.makeStore(root.sub("data"), signedHeight: 40)
        let path = root.sub("data") + "/data.mdb"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let pageBytes = DataFileIntegrity.pageBytes()
        var state: UInt64 = 0x5EED
        for index in (2 * pageBytes)..<bytes.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: try Self.worker(), arguments: ["walk", root.sub("data")])
        } throws: { error in
            guard case StoreError.corrupted(_, let reason) = error else { return false }
            return !reason.isEmpty && "\(error)".contains("copy-signer")
        }
        // Its signer state is unreadable, never "nothing was signed".
        #expect(throws: StoreError.self) {
            try StoreWalkChild.signerRecords(dataDirectory: root.sub("data"), executable: try Self.worker(), arguments: ["signer", root.sub("data")])
        }
    }

    @Test("a child that does not answer in time is killed and the store reported as looping")
    func childTimesOut() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        // `hold` opens the store (made for the worker's genesis) and sleeps: it never prints a summary.
        try NodeStore.open(dataDirectory: root.sub("data"), genesisHash: CrashFixture.genesisHash).close()
        let started = Date()
        #expect {
            try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: try Self.worker(), arguments: ["hold", root.sub("data")],
                                      timeLimitSeconds: 1)
        } throws: { error in
            guard case StoreError.corrupted(_, let reason) = error else { return false }
            return reason.contains("did not finish within 1 s")
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("a child that dies of SIGSEGV is reported as damage, naming the signal and the table it was reading")
    func childDiesOfSignal() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        try Self.makeStore(root.sub("data"), heights: 1, signedHeight: 1)
        #expect {
            try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: "/bin/sh",
                                      arguments: ["-c", "echo 'reading table blocks'; kill -SEGV $$"])
        } throws: { error in
            guard case StoreError.corrupted(_, let reason) = error else { return false }
            return reason.contains("signal 11, SIGSEGV") && reason.contains("in table blocks")
        }
    }

    @Test("the signer state read from a moved store is adopted by a fresh store, which then refuses to sign again at those positions")
    func signerStateCarriedOver() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        try Self.makeStore(root.sub("moved"), signedHeight: 37, epochs: (3, 4))
        let records = try StoreWalkChild.signerRecords(dataDirectory: root.sub("moved"), executable: try Self.worker(),
                                                       arguments: ["signer", root.sub("moved")])
        // The guard's state, the checkpoint signer's, and the sequence the store took from its journal.
        #expect(Set(records.map(\.key)) == [DoubleSignGuard.stateKey, CheckpointSignerStore.stateKey, SignerJournal.appliedKey])

        let fresh = try NodeStore.open(dataDirectory: root.sub("fresh"), genesisHash: Self.genesis)
        defer { fresh.close() }
        let adoption = try fresh.adoptSignerRecords(records)
        #expect(adoption.lines.first?.hasPrefix("adopted the signer state: last signed height 37 round 0") == true, "\(adoption.lines)")
        #expect(try fresh.signer.lastSigned()?.position == SignPosition(height: 37, round: 0, step: .precommit))
        #expect(try fresh.checkpointSigner.lastSigned()?.targetEpoch == 4)
        #expect(throws: SignerRefusal.self) { try Self.sign(fresh, height: 37, step: .prevote) }

        // A store that has signed later keeps its own state.
        let later = try NodeStore.open(dataDirectory: root.sub("later"), genesisHash: Self.genesis)
        defer { later.close() }
        try Self.sign(later, height: 50, step: .prevote)
        let kept = try later.adoptSignerRecords(records)
        #expect(kept.lines.first?.hasPrefix("kept this store's signer state (height 50 round 0") == true, "\(kept.lines)")
        #expect(try later.signer.lastSigned()?.position.height == 50)
    }

    @Test("start's walk is skipped only while data.mdb is untouched since a clean close: a byte written after it, or a copy, is walked")
    func cleanCloseStamp() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        try Self.makeStore(root.sub("data"), heights: 3, signedHeight: 3)
        // /bin/false as the child: a run is visible as a failure, a skip as nil.
        let skipped = try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: "/bin/false", arguments: [],
                                                unlessClosedCleanly: true)
        #expect(skipped == nil)
        #expect(throws: StoreWalkChild.Failure.self) {
            try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: "/bin/false", arguments: [])
        }

        // One byte rewritten in place with its own value: same size and inode, new times. The
        // kernel's file times tick every few milliseconds; wait past one tick.
        usleep(50_000)
        let handle = try #require(FileHandle(forUpdatingAtPath: root.sub("data") + "/data.mdb"))
        try handle.seek(toOffset: UInt64(2 * DataFileIntegrity.pageBytes()))
        let byte = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: UInt64(2 * DataFileIntegrity.pageBytes()))
        try handle.write(contentsOf: byte)
        try handle.close()
        #expect(!CleanCloseStamp.matches(directory: root.sub("data")))
        #expect(throws: StoreWalkChild.Failure.self) {
            try StoreWalkChild.verify(dataDirectory: root.sub("data"), executable: "/bin/false", arguments: [], unlessClosedCleanly: true)
        }

        // A copy of the directory, stamp included, is another file: walked.
        try NodeStore.open(dataDirectory: root.sub("data"), genesisHash: Self.genesis).close()
        #expect(CleanCloseStamp.matches(directory: root.sub("data")))
        try FileManager.default.copyItem(atPath: root.sub("data"), toPath: root.sub("copy"))
        #expect(!CleanCloseStamp.matches(directory: root.sub("copy")))
    }

    @Test("a signer floor makes a store refuse every position at or below its height and sign above it; a later state is kept")
    func signerFloor() throws {
        let root = try TemporaryDirectory("walk")
        defer { root.remove() }
        let store = try NodeStore.open(dataDirectory: root.sub("data"), genesisHash: Self.genesis)
        defer { store.close() }
        try Self.sign(store, height: 3, step: .prevote)
        #expect(try store.raiseSignerFloor(height: 20) == "nothing at or below height 20 will be signed")
        #expect(throws: SignerRefusal.self) { try Self.sign(store, height: 20, step: .proposal) }
        #expect(throws: SignerRefusal.self) { try Self.sign(store, height: 4, step: .precommit) }
        try Self.sign(store, height: 21, step: .prevote)
        #expect(try store.raiseSignerFloor(height: 20).hasPrefix("kept this store's signer state (height 21 round 0 prevote)"))
        #expect(try store.signer.lastSigned()?.position == SignPosition(height: 21, round: 0, step: .prevote))
    }
}
