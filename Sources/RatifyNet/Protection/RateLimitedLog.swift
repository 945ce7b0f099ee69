import Logging
import NIOCore
import Synchronization

/// Writes a warning about a peer at most once per interval per key (node id or address), so a
/// hostile peer cannot flood the log. Remembers at most `keysMax` keys.
final class RateLimitedLog: Sendable {
    static let keysMax = 4_096

    private let logger: Logger
    private let intervalNanos: UInt64
    private let last = Mutex<[String: UInt64]>([:])

    init(logger: Logger, intervalMillis: Int64) {
        self.logger = logger
        self.intervalNanos = UInt64(max(0, intervalMillis)) * 1_000_000
    }

    /// Returns whether the line was written.
    @discardableResult
    func warning(_ key: String, _ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:]) -> Bool {
        let now = NIODeadline.now().uptimeNanoseconds
        let write = last.withLock { last -> Bool in
            if let previous = last[key], now &- previous < intervalNanos { return false }
            if last.count >= Self.keysMax {
                last = last.filter { now &- $0.value < intervalNanos }
                if last.count >= Self.keysMax { return false }
            }
            last[key] = now
            return true
        }
        if write { logger.warning(message(), metadata: metadata) }
        return write
    }
}
