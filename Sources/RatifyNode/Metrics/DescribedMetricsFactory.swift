import CoreMetrics
import Prometheus

/// A swift-metrics factory over a Prometheus registry that gives every metric its `# HELP` text.
/// swift-prometheus' own factory registers each metric with an empty help text, and its registry
/// stops the process when one name is registered with two different texts; so a process makes
/// all its metrics, the network's included, through one factory holding one text per name.
/// A name missing from `help` gets no `# HELP` line (the metrics tests look for that).
public struct DescribedMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    let help: [String: String]
    let durationHistogramBuckets: [String: [Duration]]
    /// Its defaults and its destroy functions (which unregister from the same registry).
    private let plain: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry, help: [String: String], durationHistogramBuckets: [String: [Duration]]) {
        self.registry = registry
        self.help = help
        self.durationHistogramBuckets = durationHistogramBuckets
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    /// The whole name as the metric name: the registry joins the empty parts away.
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: plain.defaultValueHistogramBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions,
                                       buckets: durationHistogramBuckets[label] ?? plain.defaultDurationHistogramBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
