import RatifyNode
import Synchronization

/// What the benchmark localnet's nodes logged: each node's header-time-to-decision per
/// height (their `finalized` lines) and the first node errors.
final class LocalnetLog: Sendable {
    private let heights = Mutex<[UInt64: (round: UInt32, latencies: [Double])]>([:])
    private let errorLines = Mutex<[String]>([])
    /// Node index -> the highest height it logged as finalized.
    private let latest = Mutex<[Int: UInt64]>([:])
    static let errorsKept = 20

    func record(_ line: FinalizedLine, node: Int) {
        heights.withLock { $0[line.height, default: (line.round, [])].latencies.append(line.latencyMillis) }
        latest.withLock { $0[node] = max($0[node] ?? 0, line.height) }
    }

    /// Each node's highest finalized height so far (0 before its first), in node order.
    func latestHeights(nodes: Int) -> [UInt64] {
        latest.withLock { latest in (0..<nodes).map { latest[$0] ?? 0 } }
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
