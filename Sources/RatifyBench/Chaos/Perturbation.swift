/// One fault `ratify chaos` injects: what, on which nodes, from when and for how long
/// (seconds from the start of the load). The runner applies it at `startSeconds` and undoes it
/// (the "heal") at `endSeconds`.
public struct Perturbation: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// SIGKILL, then `ratify start` again at the end.
        case kill
        /// SIGSTOP, then SIGCONT at the end.
        case pause
        /// SIGKILL, delete the newest `walRecords` WAL records (a lost un-synced tail), restart
        /// at the end.
        case truncateWAL = "truncate_wal"
        /// Restart with the wall clock shifted by `clockOffsetMillis`, restart without at the end.
        case clockOffset = "clock_offset"
        /// Partition: the nodes (a minority, < 1/3 of the stake) are cut off from the rest.
        case isolate
        /// Partition into two halves, neither with 2/3 of the stake: the chain must halt and
        /// resume after the heal. The one fault that takes more than f nodes, alone in its window.
        case split
        /// Delay, jitter and loss on the nodes' links (netem).
        case shape

        /// Faults that need network namespaces (`--netns`, Tools/netns.sh).
        public var needsNetworkNamespaces: Bool { self == .isolate || self == .split || self == .shape }
    }

    public struct Shaping: Sendable, Equatable, Codable {
        public var delayMillis: Int
        public var jitterMillis: Int
        public var lossPercent: Int
    }

    public var kind: Kind
    public var nodes: [Int]
    public var startSeconds: Double
    public var durationSeconds: Double
    public var clockOffsetMillis: Int64?
    public var walRecords: Int?
    public var shaping: Shaping?

    public var endSeconds: Double { startSeconds + durationSeconds }

    public var summary: String {
        let who = nodes.map { "node\($0)" }.joined(separator: ",")
        var detail = ""
        if let clockOffsetMillis { detail = " \(clockOffsetMillis > 0 ? "+" : "")\(clockOffsetMillis) ms" }
        if let walRecords { detail = " \(walRecords) records" }
        if let shaping { detail = " \(shaping.delayMillis)±\(shaping.jitterMillis) ms \(shaping.lossPercent)% loss" }
        return "\(kind.rawValue) \(who)\(detail)"
    }
}
