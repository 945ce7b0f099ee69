import CoreMetrics
import Prometheus
import RatifyCore

/// The node's metrics, named in CometBFT's style with the `ratify_` prefix. The drivers update
/// them; `MetricsServer` serves them as Prometheus text. Made from an explicit factory so tests
/// (and several nodes in one process) need no global bootstrap. Each metric is registered only
/// on the node kind it means something on: `consensus` on proof-of-stake nodes, `pow` on
/// proof-of-work and hybrid ones; docs/NODE.md lists them all.
public final class NodeMetrics: Sendable {
    /// Which node the metrics belong to.
    public enum Kind: Sendable, Equatable {
        case proofOfStake
        /// `hybrid`: validators also cast checkpoint votes, which can be slashable.
        case proofOfWork(hybrid: Bool)
    }

    /// Last decided height (proof of work: the tip's height).
    public let height: CoreMetrics.Gauge
    /// Time between consecutive blocks (histogram).
    public let blockInterval: CoreMetrics.Timer
    /// Transactions in the mempool.
    public let mempoolSize: CoreMetrics.Gauge
    /// Connected peers.
    public let peers: CoreMetrics.Gauge
    /// Proof-of-stake nodes only.
    public let consensus: ConsensusMetrics?
    /// Proof-of-work and hybrid nodes only.
    public let pow: PoWMetrics?

    private let evidenceCounters: [String: CoreMetrics.Counter]

    public static let names = (
        height: "ratify_consensus_height",
        blockInterval: "ratify_consensus_block_interval_seconds",
        mempoolSize: "ratify_mempool_size",
        peers: "ratify_p2p_peers",
        evidence: "ratify_evidence_seen_total",
        buildInfo: "ratify_build_info"
    )

    /// The `kind` label of `ratify_evidence_seen_total`.
    public enum EvidenceKind: String, Sendable, CaseIterable {
        /// Two signed votes of one validator for the same height, round and type (PoS).
        case duplicateVote = "duplicate_vote"
        /// Two checkpoint votes of one validator for the same target epoch (hybrid).
        case checkpointDoubleVote = "checkpoint_double_vote"
        /// A checkpoint vote whose span surrounds another of the same validator (hybrid).
        case checkpointSurroundVote = "checkpoint_surround_vote"

        public init(_ kind: FFGSlashingEvidence.Kind) {
            switch kind {
            case .doubleVote: self = .checkpointDoubleVote
            case .surroundVote: self = .checkpointSurroundVote
            }
        }
    }

    public init(factory: any MetricsFactory, kind: Kind, build: BuildInfo) {
        let names = Self.names
        height = CoreMetrics.Gauge(label: names.height, factory: factory)
        blockInterval = CoreMetrics.Timer(label: names.blockInterval, factory: factory)
        mempoolSize = CoreMetrics.Gauge(label: names.mempoolSize, factory: factory)
        peers = CoreMetrics.Gauge(label: names.peers, factory: factory)
        CoreMetrics.Gauge(label: names.buildInfo, dimensions: [("version", build.version), ("commit", build.commit)], factory: factory)
            .record(1)
        let evidenceKinds: [EvidenceKind] = switch kind {
        case .proofOfStake: [.duplicateVote]
        case .proofOfWork(hybrid: true): [.checkpointDoubleVote, .checkpointSurroundVote]
        case .proofOfWork(hybrid: false): []
        }
        // Made up front at 0, so an alert on their increase sees the first one.
        var evidenceCounters: [String: CoreMetrics.Counter] = [:]
        for evidenceKind in evidenceKinds {
            evidenceCounters[evidenceKind.rawValue] = CoreMetrics.Counter(label: names.evidence, dimensions: [("kind", evidenceKind.rawValue)],
                                                                          factory: factory)
        }
        self.evidenceCounters = evidenceCounters
        switch kind {
        case .proofOfStake:
            consensus = ConsensusMetrics(factory: factory)
            pow = nil
        case .proofOfWork:
            consensus = nil
            pow = PoWMetrics(factory: factory)
        }
    }

    /// Byzantine evidence this node saw for the first time (made by its core, or received and checked).
    public func evidenceSeen(_ kind: EvidenceKind) {
        evidenceCounters[kind.rawValue]?.increment()
    }

    /// The factory every metric of a `ratify start` process is made with, the network's included
    /// (through swift-metrics' global system): each gets its `# HELP` text, and the latencies
    /// histogram buckets suited to them (block times of about a second, store commits of milliseconds).
    public static func factory(registry: PrometheusCollectorRegistry) -> DescribedMetricsFactory {
        let blockBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                        .milliseconds(1_500), .seconds(2), .seconds(3), .seconds(5), .seconds(10), .seconds(30)]
        return DescribedMetricsFactory(
            registry: registry, help: MetricHelp.all,
            durationHistogramBuckets: [
                names.blockInterval: blockBuckets,
                ConsensusMetrics.names.finalityLatency: blockBuckets,
                ConsensusMetrics.names.storeCommitLatency: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                                            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                            .milliseconds(100), .milliseconds(500)],
            ])
    }

    /// A Prometheus registry and a node's metrics writing to it.
    public static func prometheus(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), kind: Kind,
                                  build: BuildInfo = .current) -> (metrics: NodeMetrics, registry: PrometheusCollectorRegistry) {
        (NodeMetrics(factory: factory(registry: registry), kind: kind, build: build), registry)
    }
}
