@testable import RatifyBench
import Testing

@Suite("latency histogram")
struct LatencySummaryTests {
    @Test("percentiles of 1 ... 1000 ms are within HdrHistogram's 0.1 % of the exact values")
    func percentiles() {
        let summary = LatencySummary(millis: (1...1_000).map(Double.init))
        #expect(summary.count == 1_000)
        func close(_ value: Double, _ exact: Double) -> Bool { abs(value - exact) <= exact * 0.001 + 0.001 }
        #expect(close(summary.p50, 500), "p50 \(summary.p50)")
        #expect(close(summary.p90, 900), "p90 \(summary.p90)")
        #expect(close(summary.p99, 990), "p99 \(summary.p99)")
        #expect(close(summary.p999, 999), "p99.9 \(summary.p999)")
        #expect(close(summary.max, 1_000), "max \(summary.max)")
        #expect(close(summary.mean, 500.5), "mean \(summary.mean)")
    }

    @Test("two slow outliers in a thousand show at p99.9 and max, not at p99")
    func tail() {
        let summary = LatencySummary(millis: Array(repeating: 2.0, count: 998) + [250, 250])
        #expect(abs(summary.p99 - 2) < 0.01)
        #expect(summary.max >= 249.7)
        #expect(summary.p999 >= 249.7)
    }

    @Test("sub-millisecond values keep microsecond resolution; an empty histogram reports zeros")
    func resolution() {
        let summary = LatencySummary(millis: [0.25, 0.25, 0.25])
        #expect(abs(summary.p50 - 0.25) < 0.001)
        #expect(LatencySummary(millis: []) == .empty)
        #expect(LatencySummary(millis: [-3]).p50 == 0)
    }
}
