import RatifyNode
import Synchronization

/// What the benchmark localnet's nodes logged: each node's header-time-to-decision per
/// height (their `finalized` lines) and the first node errors.
final class LocalnetLog: Sendable {
    private let heights = Mutex<[UInt64: (round: UInt32, latencies: [Double])]>([:])
    private let errorLines = Mutex<[String]>([])
    static let errorsKept = 20

    func record(_ line: FinalizedLine) {
        heights.withLock { $0[line.height, default: (line.round, [])].latencies.append(line.latencyMillis) }
    }

    func recordError(_ line: String) {
        errorLines.withLock { if $0.count < Self.errorsKept { $0.append(line) } }
    }

    var errors: [String] { errorLines.withLock { $0 } }

    func nodesFinalized(height: UInt64) -> Int { heights.withLock { $0[height]?.latencies.count ?? 0 } }

    /// Per height: the round and the median node's latency.
    func blocks() -> [UInt64: (round: UInt32, latencyMillis: Double)] {
        heights.withLock { heights in
            heights.mapValues { entry in
                let sorted = entry.latencies.sorted()
                return (entry.round, sorted[sorted.count / 2])
            }
        }
    }
}
