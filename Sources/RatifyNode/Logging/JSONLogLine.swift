import Logging
import RatifyCore

/// The line of `[log] format = "json"`: one JSON object per line, with
/// the fields of the text format (`time`, `level`, `label`, `source`, `msg`), then the event's
/// metadata, each value as a string (log shippers index them without a schema).
public enum JSONLogLine: LogLineFormat {
    /// The fixed fields first, then metadata keys in sorted order (stable lines diff cleanly).
    /// A metadata key equal to a fixed field's name is kept under `meta.KEY`.
    public static func line(timeMillis: Double, level: Logger.Level, label: String, source: String, message: String,
                            metadata: Logger.Metadata) -> String {
        let fixed = ["time", "level", "label", "source", "msg"]
        var fields = [("time", time(millis: timeMillis)), ("level", level.rawValue), ("label", label), ("source", source),
                      ("msg", message)]
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            fields.append((fixed.contains(key) ? "meta." + key : key, "\(value)"))
        }
        return "{" + fields.map { JSONWriter.quoted($0.0) + ":" + JSONWriter.quoted($0.1) }.joined(separator: ",") + "}\n"
    }

    /// RFC 3339 UTC, to the millisecond.
    static func time(millis: Double) -> String {
        let whole = Int64(exactly: millis.rounded(.down)) ?? 0
        let (seconds, rest) = whole.quotientAndRemainder(dividingBy: 1_000)
        return GenesisTime(unixSeconds: seconds, nanos: UInt32(clamping: max(0, rest) * 1_000_000))?.description ?? "\(whole)"
    }
}
