import Foundation
import RatifyNode
import RatifyOps
import Synchronization

/// What the benchmark localnet's nodes logged: each node's header-time-to-decision, store
/// commit and per-step breakdown per height (their `finalized` lines), proof-of-work nodes' tips,
/// and the first node errors.
final class LocalnetLog: Sendable {
    /// One height as the nodes logged it: the median node's figures.
    struct LoggedBlock: Sendable {
        var round: UInt32
        var latencyMillis: Double
        var storeMillis: Double?
        /// Each step's median over the validators that logged one.
        var steps: HeightSteps?
    }

    private let heights = Mutex<[UInt64: [FinalizedLine]]>([:])
    /// Heights at which two nodes logged different block or app hashes (goal: none): the
    /// chaos runner's check while it runs, before the stores are compared at the end.
    private let disagreements = Mutex<Set<UInt64>>([])
    /// Proof-of-work chains: each node's latest tip height.
    private let tips = Mutex<[Int: UInt64]>([:])
    /// Proof-of-work chains: node 0's new heights and when it logged them (s since 1970), the
    /// newest `tipTimesKept`, for the block rate of a window.
    private let tipTimes = Mutex<[(height: UInt64, seconds: Double)]>([])
    static let tipTimesKept = 100_000
    private let errorLines = Mutex<[String]>([])
    /// Hybrid chains: each checkpoint's step times as the nodes logged them.
    private let checkpointSteps = Mutex<[CheckpointBreakdown.Key: [Double]]>([:])
    /// Node index -> the highest height it logged as finalized.
    private let latest = Mutex<[Int: UInt64]>([:])
    static let errorsKept = 20

    func record(_ line: FinalizedLine, node: Int) {
        let agrees = heights.withLock { heights -> Bool in
            let first = heights[line.height]?.first
            heights[line.height, default: []].append(line)
            guard let first else { return true }
            return first.blockHash == line.blockHash && (first.appHash == nil || line.appHash == nil || first.appHash == line.appHash)
        }
        if !agrees { disagreements.withLock { _ = $0.insert(line.height) } }
        latest.withLock { $0[node] = max($0[node] ?? 0, line.height) }
    }

    /// Heights whose finalized lines disagree between nodes, in order.
    var disagreeingHeights: [UInt64] { disagreements.withLock { $0.sorted() } }

    /// Each node's highest finalized height so far (0 before its first), in node order.
    func latestHeights(nodes: Int) -> [UInt64] {
        latest.withLock { latest in (0..<nodes).map { latest[$0] ?? 0 } }
    }

    func recordTip(_ line: PoWTipLine, from node: Int, atSeconds seconds: Double = Date().timeIntervalSince1970) {
        tips.withLock { $0[node] = line.height }
        guard node == 0 else { return }
        tipTimes.withLock { times in
            guard line.height > (times.last?.height ?? 0) else { return }
            if times.count >= Self.tipTimesKept { times.removeFirst(times.count / 2) }
            times.append((line.height, seconds))
        }
    }

    /// Node 0's mean block interval over the new heights it logged from `sinceSeconds` on; nil
    /// with fewer than two.
    func blockIntervalMillis(sinceSeconds: Double) -> Double? {
        tipTimes.withLock { times in
            let window = times.filter { $0.seconds >= sinceSeconds }
            guard let first = window.first, let last = window.last, last.height > first.height else { return nil }
            return (last.seconds - first.seconds) * 1_000 / Double(last.height - first.height)
        }
    }

    /// Proof-of-work chains: how many nodes have a tip at `height` or above.
    func nodesAtTip(height: UInt64) -> Int { tips.withLock { $0.values.count { $0 >= height } } }

    func recordCheckpoint(_ line: CheckpointLine) {
        guard let millis = line.sinceBlockMillis else { return }
        let key = CheckpointBreakdown.Key(step: line.step, epoch: line.epoch, blockHash: line.blockHash)
        checkpointSteps.withLock { $0[key, default: []].append(millis) }
    }

    /// Hybrid chains: every timed checkpoint step, with the time each node logged for it.
    var loggedCheckpointSteps: [CheckpointBreakdown.Key: [Double]] { checkpointSteps.withLock { $0 } }

    func recordError(_ line: String) {
        errorLines.withLock { if $0.count < Self.errorsKept { $0.append(line) } }
    }

    var errors: [String] { errorLines.withLock { $0 } }

    func nodesFinalized(height: UInt64) -> Int { heights.withLock { $0[height]?.count ?? 0 } }

    func blocks() -> [UInt64: LoggedBlock] {
        heights.withLock { heights in
            heights.compactMapValues { lines in
                guard let first = lines.first else { return nil }
                let steps = lines.compactMap(\.steps)
                return LoggedBlock(
                    round: first.round, latencyMillis: Self.median(lines.map(\.latencyMillis)) ?? 0,
                    storeMillis: Self.median(lines.compactMap(\.storeMillis)),
                    steps: steps.isEmpty ? nil : HeightSteps(
                        proposeMillis: Self.median(steps.map(\.proposeMillis)) ?? 0,
                        prevoteMillis: Self.median(steps.map(\.prevoteMillis)) ?? 0,
                        precommitMillis: Self.median(steps.map(\.precommitMillis)) ?? 0,
                        commitMillis: Self.median(steps.map(\.commitMillis)) ?? 0,
                        signMillis: Self.median(steps.map(\.signMillis)) ?? 0))
            }
        }
    }

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        return sorted.isEmpty ? nil : sorted[sorted.count / 2]
    }
}
