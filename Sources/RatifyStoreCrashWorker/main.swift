// A child process for RatifyStoreTests, never part of a node. The tests spawn it to prove
// what only a second process can: that `ratify.lock` keeps a second process out, and that a
// SIGKILL at any instant loses nothing committed and never permits a double sign.
//
//   RatifyStoreCrashWorker hold  <data-dir>               open, print "ready", wait to be killed
//   RatifyStoreCrashWorker churn <data-dir> <heights>     commit/sign heights until killed
//   RatifyStoreCrashWorker powchurn <data-dir>            reorganize a proof-of-work tip until killed
//   RatifyStoreCrashWorker walk|signer <data-dir>         the child of StoreWalkChild (ratify's hidden `store walk`)
//
// In churn mode each line is printed only AFTER the durable write it reports has returned:
// "wal H" after `ConsensusWAL.append`, "signed H R S" after `authorize` (at even heights, after
// the one `flush` both signatures of the height were held for), "committed H" after
// `BlockStore.commit`. The block, state
// and sign-bytes formulas are mirrored in Tests/RatifyStoreTests/CrashFixture.swift.
import RatifyCore
import RatifyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CrashWorker {
    static let genesisHash = Hash.sha256(Array("ratify crash test genesis".utf8))
    /// Small on purpose, so the map grows (and is killed while growing) during the test.
    static let options = LMDBOptions(mapBytesInitial: 64 << 10)
    static let holdPollsMax = 600

    static func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    static func fail(_ message: String) -> Never {
        let bytes = Array(("RatifyStoreCrashWorker: " + message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(1)
    }

    static func hold(dataDirectory: String) throws {
        let store = try NodeStore.open(dataDirectory: dataDirectory, genesisHash: genesisHash, options: options)
        say("ready")
        for _ in 0..<holdPollsMax { usleep(100_000) }
        store.close()
    }

    static func churn(dataDirectory: String, heights: UInt64) throws {
        guard let key = KeyPair(seed: [UInt8](repeating: 7, count: 32)) else { fail("bad seed") }
        let store = try NodeStore.open(dataDirectory: dataDirectory, genesisHash: genesisHash, options: options)
        let first = try store.blocks.latestHeight() + 1
        for height in first..<(first + heights) {
            try store.wal.append(height: height, record: Array("proposal \(height)".utf8))
            say("wal \(height)")
            // Even heights hold both signatures for one flush, as a driver does with signatures
            // made in a row: neither is reported before that flush returns.
            let holdFlush = height % 2 == 0
            var held: [String] = []
            for step in [SignStep.prevote, .precommit] {
                // Like a restarted driver: a step signed before the crash is not signed again
                // (the guard would refuse it as a regression); the last one is re-requested
                // and must come back with the stored signature.
                let position = SignPosition(height: height, round: 0, step: step)
                if let last = try store.signer.lastSigned()?.position, position < last { continue }
                let bytes = Array("sign \(height) 0 \(step.rawValue)".utf8)
                // The signed message's WAL record goes in the signature's own journal append.
                _ = try store.signer.authorize(height: height, round: 0, step: step, signBytes: bytes, sign: { key.sign($0) },
                                               walRecords: { _ in [JournalEntry.WALRecord(height: height, bytes: Array("vote \(height) \(step.rawValue)".utf8))] },
                                               flushNow: !holdFlush)
                let line = "signed \(height) 0 \(step.rawValue)"
                if holdFlush { held.append(line) } else { say(line) }
            }
            if holdFlush {
                try store.signer.flush()
                held.forEach(say)
            }
            let block = blockBytes(height)
            try store.blocks.commit(
                height: height, blockBytes: block, commitBytes: Array("commit \(height)".utf8),
                blockHash: Hash.sha256(block),
                stateWrites: [
                    .set(Array("height".utf8), withUnsafeBytes(of: height.bigEndian) { Array($0) }),
                    .set(Array("account/\(height % 16)".utf8), Array("balance \(height)".utf8)),
                ],
                appHash: Hash.sha256(Array("app \(height)".utf8)))
            say("committed \(height)")
            try store.wal.trim(below: height)
        }
        store.close()
    }

    /// Sizes vary with the height (up to ~6 KiB, past one page) so some blocks use overflow pages.
    static func blockBytes(_ height: UInt64) -> [UInt8] {
        Array("block \(height)".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: height), count: Int(height % 7) * 1_000)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { CrashWorker.fail("usage: RatifyStoreCrashWorker hold|churn <data-dir> [heights]") }
do {
    switch arguments[1] {
    case "hold":
        try CrashWorker.hold(dataDirectory: arguments[2])
    case "churn":
        guard arguments.count >= 4, let heights = UInt64(arguments[3]) else { CrashWorker.fail("churn needs a height count") }
        try CrashWorker.churn(dataDirectory: arguments[2], heights: heights)
    case "powchurn":
        try CrashWorker.powChurn(dataDirectory: arguments[2])
    case "walk", "signer":
        exit(StoreWalkChild.childMain(dataDirectory: arguments[2], mode: arguments[1] == "walk" ? .walk : .signer))
    default:
        CrashWorker.fail("unknown mode \(arguments[1])")
    }
} catch {
    CrashWorker.fail("\(error)")
}
