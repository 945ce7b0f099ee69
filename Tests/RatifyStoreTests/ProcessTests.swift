import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

@Suite("separate processes")
struct ProcessTests {
    @Test("a second process cannot open a data directory another process holds, and can once it dies")
    func lockAcrossProcesses() throws {
        let directory = try TemporaryDirectory("lock")
        defer { directory.remove() }
        let data = directory.sub("data")
        let worker = try WorkerProcess(arguments: ["hold", data], logPrefix: directory.sub("hold"))
        defer { worker.killAndWait() }
        #expect(worker.waitForLine(startingWith: "ready", timeoutMillis: 10_000), "worker stderr: \(worker.errorText)")

        let error = #expect(throws: StoreError.self) {
            _ = try NodeStore.open(dataDirectory: data, genesisHash: CrashFixture.genesisHash)
        }
        let resolved = URL(fileURLWithPath: data).resolvingSymlinksInPath().path
        #expect(error == .dataDirectoryInUse(path: resolved, pid: worker.pid))
        #expect(error?.description.contains("data directory \(resolved) is in use by another ratify process (pid \(worker.pid))") == true)

        worker.killAndWait()
        let store = try NodeStore.open(dataDirectory: data, genesisHash: CrashFixture.genesisHash)
        store.close()
    }

    /// What the worker reported before it was killed.
    struct Reported {
        var committedHeight: UInt64 = 0
        var walHeight: UInt64 = 0
        var signed: SignPosition?

        mutating func read(_ lines: [String]) {
            for line in lines {
                let fields = line.split(separator: " ")
                if fields.count == 2, fields[0] == "committed", let height = UInt64(fields[1]) {
                    committedHeight = max(committedHeight, height)
                }
                if fields.count == 2, fields[0] == "wal", let height = UInt64(fields[1]) {
                    walHeight = max(walHeight, height)
                }
                if fields.count == 4, fields[0] == "signed", let height = UInt64(fields[1]), let round = UInt32(fields[2]),
                   let raw = UInt8(fields[3]), let step = SignStep(rawValue: raw) {
                    let position = SignPosition(height: height, round: round, step: step)
                    if signed.map({ $0 < position }) ?? true { signed = position }
                }
            }
        }
    }

    @Test("SIGKILL at random instants loses no committed height, keeps block, commit and state together, and never permits a double sign",
          .timeLimit(.minutes(2)))
    func crashLoop() throws {
        let directory = try TemporaryDirectory("crash")
        defer { directory.remove() }
        let data = directory.sub("data")
        let killsWanted = 60
        let started = Date()
        var reported = Reported()
        var kills = 0
        for cycle in 0..<killsWanted {
            let worker = try WorkerProcess(arguments: ["churn", data, "100000"], logPrefix: directory.sub("churn-\(cycle)"))
            // Half the kills land at any moment from start-up on; the other half once writing is under way.
            if cycle % 2 == 1 {
                _ = worker.waitForLine(startingWith: "committed", timeoutMillis: 5_000)
            }
            usleep(UInt32.random(in: 0...80_000))
            let diedOnItsOwn = !worker.process.isRunning
            worker.killAndWait()
            #expect(!diedOnItsOwn, "cycle \(cycle): the worker exited by itself: \(worker.errorText)")
            #expect(worker.process.terminationReason == .uncaughtSignal)
            kills += 1
            reported.read(worker.outputLines)
            try checkAfterCrash(data: data, reported: reported, cycle: cycle)
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(kills >= 50)
        // The kills must have hit a working writer, not only start-up.
        #expect(reported.committedHeight >= 20, "only \(reported.committedHeight) heights committed in \(kills) runs")
        #expect(seconds < 90, "the crash loop took \(seconds) s")
    }

    private func checkAfterCrash(data: String, reported: Reported, cycle: Int) throws {
        let store = try NodeStore.open(dataDirectory: data, genesisHash: CrashFixture.genesisHash, options: CrashFixture.options)
        defer { store.close() }
        let latest = try store.blocks.latestHeight()
        #expect(latest >= reported.committedHeight, "cycle \(cycle): worker reported \(reported.committedHeight), store has \(latest)")
        let problems = try store.blocks.verify(hashOfBlock: Hash.sha256)
        #expect(problems.isEmpty, "cycle \(cycle): \(problems)")
        if latest > 0 {
            #expect(try store.blocks.blockBytes(height: latest) == CrashFixture.blockBytes(latest))
            #expect(try store.blocks.commitBytes(height: latest) == CrashFixture.commitBytes(latest))
            #expect(try store.blocks.blockHash(height: latest) == Hash.sha256(CrashFixture.blockBytes(latest)))
            #expect(try store.state.value(forKey: Array("height".utf8)) == CrashFixture.heightValue(latest))
            #expect(try store.state.appHash(height: latest) == CrashFixture.appHash(latest))
        }
        #expect(try store.blocks.blockBytes(height: latest + 1) == nil)
        // The record for the height in progress survives; nothing is logged past it; every
        // record left (older ones wait for the next trim) is intact.
        if reported.walHeight > latest {
            #expect(try store.wal.records(height: reported.walHeight).first == Array("proposal \(reported.walHeight)".utf8),
                    "cycle \(cycle): the WAL record for height \(reported.walHeight) is missing")
        }
        if let range = try store.wal.heightRange() {
            #expect(range.upperBound <= latest + 1, "cycle \(cycle): WAL reaches \(range.upperBound), latest \(latest)")
            for height in range {
                let records = try store.wal.records(height: height)
                #expect(records.allSatisfy { $0 == Array("proposal \(height)".utf8) || $0.starts(with: Array("vote \(height) ".utf8)) },
                        "cycle \(cycle): WAL height \(height)")
            }
        }
        // A signature of the height in progress left with its WAL record (one journal append).
        if let signed = reported.signed, signed.height > latest {
            let vote = Array("vote \(signed.height) \(signed.step.rawValue)".utf8)
            #expect(try store.wal.records(height: signed.height).contains(vote),
                    "cycle \(cycle): signed \(signed) but its WAL record is missing")
        }
        try checkSigner(store, latest: latest, reported: reported, cycle: cycle)
    }

    private func checkSigner(_ store: NodeStore, latest: UInt64, reported: Reported, cycle: Int) throws {
        let last = try store.signer.lastSigned()
        if let signed = reported.signed {
            #expect(last.map { $0.position >= signed } == true, "cycle \(cycle): worker signed \(signed), store has \(String(describing: last))")
        }
        guard let last else {
            #expect(latest == 0, "cycle \(cycle): blocks committed but no signer state")
            return
        }
        // The worker precommits a height before committing it.
        #expect(last.position.height >= latest)
        let key = try #require(CrashFixture.key)
        var signCalls = 0
        let countingSign: ([UInt8]) throws -> Signature = { bytes in
            signCalls += 1
            return key.sign(bytes)
        }
        let sameBytes = CrashFixture.signBytes(last.position)
        let again = try store.signer.authorize(
            height: last.position.height, round: last.position.round, step: last.position.step,
            signBytes: sameBytes, sign: countingSign)
        #expect(again == last.signature)
        #expect(key.publicKey.verify(again, message: sameBytes))
        let conflicting = Array("double sign attempt".utf8)
        #expect(throws: SignerRefusal.self) {
            _ = try store.signer.authorize(
                height: last.position.height, round: last.position.round, step: last.position.step,
                signBytes: conflicting, sign: countingSign)
        }
        let earlier = last.position.step == .precommit
            ? SignPosition(height: last.position.height, round: last.position.round, step: .prevote)
            : SignPosition(height: last.position.height - 1, round: 0, step: .precommit)
        #expect(throws: SignerRefusal.self) {
            _ = try store.signer.authorize(
                height: earlier.height, round: earlier.round, step: earlier.step, signBytes: conflicting, sign: countingSign)
        }
        #expect(signCalls == 0)
        #expect(try store.signer.lastSigned() == last)
    }
}
