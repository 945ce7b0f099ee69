import Foundation
import Prometheus
import RatifyNode
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process metrics Prometheus' client libraries export (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`,
/// `process_start_time_seconds`), read from /proc/self when /metrics is scraped: a few small
/// reads per scrape, never on a consensus or network path. Linux only; `make` is nil elsewhere.
public final class ProcessMetrics: Sendable {
    private let cpuSeconds: Prometheus.Counter
    private let residentMemoryBytes: Prometheus.Gauge
    private let openFDs: Prometheus.Gauge
    private let maxFDs: Prometheus.Gauge
    /// The CPU seconds already added to the counter (a counter only goes up, by deltas).
    private let cpuSecondsCounted = Mutex<Double>(0)

    public static let names = (
        cpuSeconds: "process_cpu_seconds_total",
        residentMemoryBytes: "process_resident_memory_bytes",
        openFDs: "process_open_fds",
        maxFDs: "process_max_fds",
        startTimeSeconds: "process_start_time_seconds"
    )

    /// Registers the metrics in `registry`, or nil where /proc is not there to read.
    public static func make(registry: PrometheusCollectorRegistry) -> ProcessMetrics? {
        guard let stat = ProcessStat.read(path: "/proc/self/stat"),
              let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let bootSeconds = ProcessStat.bootTimeSeconds(procStat: system) else { return nil }
        let metrics = ProcessMetrics(registry: registry, startTimeSeconds: bootSeconds + stat.startSecondsAfterBoot)
        metrics.update()
        return metrics
    }

    private init(registry: PrometheusCollectorRegistry, startTimeSeconds: Double) {
        let names = Self.names
        func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
        cpuSeconds = registry.makeCounter(descriptor: descriptor(names.cpuSeconds, "Total user and system CPU time spent in seconds."))
        residentMemoryBytes = registry.makeGauge(descriptor: descriptor(names.residentMemoryBytes, "Resident memory size in bytes."))
        openFDs = registry.makeGauge(descriptor: descriptor(names.openFDs, "Number of open file descriptors."))
        maxFDs = registry.makeGauge(descriptor: descriptor(names.maxFDs, "Maximum number of open file descriptors."))
        registry.makeGauge(descriptor: descriptor(names.startTimeSeconds, "Start time of the process since unix epoch in seconds."))
            .set(startTimeSeconds)
    }

    /// Reads /proc/self now; what cannot be read leaves its metric as it was.
    public func update() {
        if let stat = ProcessStat.read(path: "/proc/self/stat") {
            let delta = cpuSecondsCounted.withLock { counted -> Double in
                let delta = max(stat.cpuSeconds - counted, 0)
                counted += delta
                return delta
            }
            if delta > 0 { cpuSeconds.increment(by: delta) }
            residentMemoryBytes.set(Double(stat.residentBytes))
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFDs.set(Double(entries.count))
        }
        #if os(Linux)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFDs.set(Double(limit.rlim_cur)) }
        #endif
    }
}
