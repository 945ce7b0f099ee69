import Dispatch
import Foundation
import Synchronization

/// `ratify pow bench`: the hashing core's real path (`ParallelMiner.mine`, a target nothing
/// meets, a timer setting the cancellation flag) timed on N threads, and how long threads take
/// to stop once the flag is set. Timing lives here and in Benchmarks/, never in unit tests.
public struct HashRateBenchmark: Sendable {
    public struct Result: Sendable {
        public var threadCount: Int
        public var core: HashingCore
        public var elapsedSeconds: Double
        public var hashesPerThread: [UInt64]
        /// Flag set → search returned, one sample per trial, sorted.
        public var cancelLatenciesMillis: [Double]

        public var hashes: UInt64 { hashesPerThread.reduce(0, &+) }
        public var hashesPerSecond: Double { Double(hashes) / elapsedSeconds }
        public var hashesPerSecondPerThread: [Double] { hashesPerThread.map { Double($0) / elapsedSeconds } }
    }

    /// Bitcoin's block 100000: a real header, so the bytes hashed are realistic.
    public static let header: BlockHeader80 = {
        let hex = "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710"
        // A constant that the tests parse too; the fallback is never taken.
        return (try? BlockHeader80(hex: hex)) ?? BlockHeader80(
            version: 1, previousHash: .zero, merkleRoot: .zero, time: 0, bits: CompactTarget(bits: 0x1d00ffff), nonce: 0)
    }()

    public var threadCount: Int
    public var seconds: Double
    public var cancelTrials: Int
    public var core: HashingCore

    public init(threadCount: Int, seconds: Double, cancelTrials: Int = 20, core: HashingCore = .fastest) {
        self.threadCount = threadCount
        self.seconds = seconds
        self.cancelTrials = cancelTrials
        self.core = core
    }

    public func run() -> Result {
        let miner = ParallelMiner(threadCount: threadCount, core: core)
        var template = Self.header
        template.nonce = 0
        // Target zero: no hash meets it, so the threads hash until the timer stops them.
        let cancel = CancellationFlag()
        let started = DispatchTime.now()
        DispatchQueue.global().asyncAfter(deadline: started + seconds) { cancel.cancel() }
        let outcome = miner.mine(template: template, target: .zero, roll: .time(maxTime: .max), cancel: cancel)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9

        var latencies: [Double] = []
        for trial in 0..<cancelTrials {
            let trialCancel = CancellationFlag()
            let setAt = Mutex<UInt64>(0)
            // Let the threads get going (20–39 ms), then set the flag and note when.
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20 + trial % 20)) {
                setAt.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
                trialCancel.cancel()
            }
            _ = miner.mine(template: template, target: .zero, roll: .time(maxTime: .max), cancel: trialCancel)
            let returned = DispatchTime.now().uptimeNanoseconds
            latencies.append(Double(returned - setAt.withLock { $0 }) / 1e6)
        }
        return Result(threadCount: threadCount, core: miner.core, elapsedSeconds: elapsed, hashesPerThread: outcome.hashesPerThread,
                      cancelLatenciesMillis: latencies.sorted())
    }
}
