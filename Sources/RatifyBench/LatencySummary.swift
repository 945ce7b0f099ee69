import Histogram

/// Percentiles of one latency distribution, in milliseconds, as printed and written to JSON.
/// Built from an HdrHistogram of microseconds (3 significant digits: a value is reported
/// within 0.1 % of what was recorded).
public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    public static let empty = LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)

    public init(count: Int, p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }

    /// The summary of latencies given in milliseconds (negative values count as 0).
    public init(millis values: [Double]) {
        var recorder = LatencyRecorder()
        for value in values { recorder.record(millis: value) }
        self = recorder.summary
    }

    enum CodingKeys: String, CodingKey {
        case count, p50, p90, p99, p999 = "p99_9", max, mean
    }
}

/// An HdrHistogram of latencies recorded in microseconds, up to one hour.
public struct LatencyRecorder: Sendable {
    /// One hour in microseconds: anything slower is recorded as one hour.
    public static let microsMax: UInt64 = 3_600_000_000
    var histogram = Histogram<UInt64>(highestTrackableValue: LatencyRecorder.microsMax, numberOfSignificantValueDigits: .three)

    public init() {}

    public var count: Int { Int(histogram.totalCount) }

    public mutating func record(millis: Double) {
        let micros = millis.isFinite && millis > 0 ? Swift.min(UInt64((millis * 1_000).rounded()), Self.microsMax) : 0
        _ = histogram.record(micros)
    }

    public var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return .empty }
        func millis(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1_000 }
        return LatencySummary(count: count, p50: millis(50), p90: millis(90), p99: millis(99), p999: millis(99.9),
                              max: Double(histogram.max) / 1_000, mean: histogram.mean / 1_000)
    }
}
