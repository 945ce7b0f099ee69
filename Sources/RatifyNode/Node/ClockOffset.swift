import Foundation
import Logging

/// FAULT INJECTION: a node's wall clock shifted by RATIFY_CLOCK_OFFSET_MS (whole milliseconds,
/// within a day either way), to run one node with a skewed clock (`ratify chaos`, and a
/// proof-of-work miner whose chain starts in the past: `Tools/bench-pow-sync.sh`). Never set
/// by config.
enum ClockOffset {
    static let variable = "RATIFY_CLOCK_OFFSET_MS"
    /// Beyond a day the offset is refused: it is a fault to inject, not a clock.
    static let millisMax: Int64 = 86_400_000

    /// The offset the environment asks for (0 without one); a malformed one stops the start.
    static func fromEnvironment(logger: Logger) throws -> Int64 {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return 0 }
        guard let offset = Int64(text), abs(offset) <= millisMax else {
            throw NodeStartError("\(variable): expected whole milliseconds within ±\(millisMax), got \"\(text)\"")
        }
        logger.warning("\(variable)=\(offset): this node's wall clock is shifted for fault injection")
        return offset
    }
}
