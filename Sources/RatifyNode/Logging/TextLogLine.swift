import Logging
import RatifyCore

/// The line of `[log] format = "text"`: swift-log's `StreamLogHandler` line
/// (`TIME LEVEL LABEL: key=value ... [SOURCE] MESSAGE`, metadata keys sorted) with the time in
/// UTC to the millisecond, as the JSON format has it: rounds and timeouts happen milliseconds apart.
public enum TextLogLine: LogLineFormat {
    public static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                            metadata: Logger.Metadata) -> String {
        let pairs = metadata.keys.sorted().compactMap { key in metadata[key].map { " \(key)=\($0)" } }.joined()
        return "\(time(millis: timeMillis)) \(level) \(label):\(pairs) [\(source)] \(message)\n"
    }

    /// RFC 3339 UTC with exactly three fractional digits, so lines align and sort as text.
    static func time(millis: Double) -> String {
        let whole = Int64(exactly: millis.rounded(.down)) ?? 0
        let (seconds, rest) = whole.quotientAndRemainder(dividingBy: 1_000)
        guard let second = GenesisTime(unixSeconds: seconds)?.description, second.hasSuffix("Z") else { return "\(whole)" }
        let digits = String(max(0, rest))
        return second.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
