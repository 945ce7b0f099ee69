import RatifyCore

/// `ratify sim --json`: the summary the text prints, and the first violation with the commands
/// that replay it, as one JSON document.
extension SimSweep {
    public static func json(_ summary: Summary, wallSeconds: Double, violation: (shrunk: SimRunResult, original: SimRunResult)?) -> JSONValue {
        .object([
            JSONValue.Member("runs", .number(String(summary.runs))),
            JSONValue.Member("heights_decided", .number(String(summary.heightsDecided))),
            JSONValue.Member("rounds_per_height_p50", .number(String(summary.roundsPerHeight(quantile: 0.5)))),
            JSONValue.Member("rounds_per_height_p99", .number(String(summary.roundsPerHeight(quantile: 0.99)))),
            JSONValue.Member("messages", .number(String(summary.messages))),
            JSONValue.Member("evidence", .number(String(summary.evidenceReported))),
            JSONValue.Member("simulated_ms", .number(String(summary.simulatedMillis))),
            JSONValue.Member("wall_seconds", .number(String((wallSeconds * 10).rounded() / 10))),
            JSONValue.Member("violations", .number(String(summary.violations.count))),
            JSONValue.Member("violation", violation.map { violationJSON(shrunk: $0.shrunk, original: $0.original) } ?? .null),
        ])
    }

    /// The violation of `original` (seed, kind, where, replay command), the shrunk replay when
    /// shrinking found a smaller configuration, and the trace excerpt `report` prints.
    static func violationJSON(shrunk: SimRunResult, original: SimRunResult) -> JSONValue {
        guard let violation = original.violation else { return .null }
        var shrunkConfig = shrunk.config
        shrunkConfig.trace = original.config.trace
        let shrunkReplay: JSONValue = shrunk.violation != nil && shrunkConfig != original.config ? .string(shrunk.config.replayCommand) : .null
        let trace = traceExcerpt(shrunk.violation == nil ? original : shrunk).map { JSONValue.string($0.description) }
        return .object([
            JSONValue.Member("seed", .number(String(original.config.seed))),
            JSONValue.Member("kind", .string(violation.kind.rawValue)),
            JSONValue.Member("height", .number(String(violation.height))),
            JSONValue.Member("time_ms", .number(String(violation.timeMillis))),
            JSONValue.Member("node", .number(String(violation.node))),
            JSONValue.Member("detail", .string(violation.detail)),
            JSONValue.Member("replay", .string(original.config.replayCommand)),
            JSONValue.Member("replay_shrunk", shrunkReplay),
            JSONValue.Member("trace", .array(trace)),
        ])
    }
}
