import RatifyCore

/// One line of a run's trace (recorded only when `SimConfig.trace` is set).
public struct SimTraceEntry: Hashable, Sendable, CustomStringConvertible {
    public var timeMillis: UInt64
    public var node: Int
    /// The consensus height the entry concerns; 0 for faults that concern every height.
    public var height: Height
    public var text: String

    public var description: String {
        let time = String(timeMillis)
        let padded = String(repeating: " ", count: max(0, 8 - time.count)) + time
        return "\(padded)ms  n\(node)  \(height == 0 ? "  " : "h\(height)")  \(text)"
    }
}
