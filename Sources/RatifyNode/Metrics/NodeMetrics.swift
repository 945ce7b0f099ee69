import CoreMetrics
import Prometheus
import RatifyCore
import Synchronization

/// The node's metrics, named in CometBFT's style with the `ratify_` prefix. The driver updates
/// them; `MetricsServer` serves them as Prometheus text. Made from an explicit factory so tests
/// (and several nodes in one process) need no global bootstrap.
public final class NodeMetrics: Sendable {
    /// Last decided height.
    public let height: CoreMetrics.Gauge
    /// Rounds the last height took (1 when decided in round 0).
    public let rounds: CoreMetrics.Gauge
    /// Time between consecutive blocks (histogram).
    public let blockInterval: CoreMetrics.Timer
    /// From a block's proposal time to its decision on this node (histogram).
    public let finalityLatency: CoreMetrics.Timer
    /// Proposals this node made.
    public let proposals: CoreMetrics.Counter
    /// Commit waits ended early because every validator's precommit was in.
    public let commitWaitsSkipped: CoreMetrics.Counter
    /// Transactions in the mempool.
    public let mempoolSize: CoreMetrics.Gauge
    /// Connected peers.
    public let peers: CoreMetrics.Gauge
    /// Time to write a decided block, its commit and state in one store transaction (histogram).
    public let storeCommitLatency: CoreMetrics.Timer
    /// Proof-of-work chains: hashes this node's miner computed.
    public let powHashes: CoreMetrics.Counter
    /// Proof-of-work chains: blocks this node mined that became its tip.
    public let powBlocksMined: CoreMetrics.Counter
    /// Proof-of-work chains: tip changes that disconnected blocks.
    public let powReorgs: CoreMetrics.Counter
    /// Proof-of-work chains: the highest block with k confirmations.
    public let powFinalHeight: CoreMetrics.Gauge

    private let factory: any MetricsFactory
    private let missedVotes = Mutex<[Address: CoreMetrics.Counter]>([:])
    /// Validators tracked by `missedVote`; beyond this they share one series, so a long-lived
    /// node with a changing set keeps a bounded number of series.
    public static let missedVoteValidatorsMax = 1_000

    public static let names = (
        height: "ratify_consensus_height",
        rounds: "ratify_consensus_rounds",
        blockInterval: "ratify_consensus_block_interval_seconds",
        finalityLatency: "ratify_consensus_finality_latency_seconds",
        proposals: "ratify_consensus_proposals_total",
        commitWaitsSkipped: "ratify_consensus_commit_waits_skipped_total",
        missedVotes: "ratify_consensus_missed_votes_total",
        mempoolSize: "ratify_mempool_size",
        peers: "ratify_p2p_peers",
        storeCommitLatency: "ratify_store_commit_latency_seconds",
        powHashes: "ratify_pow_hashes_total",
        powBlocksMined: "ratify_pow_blocks_mined_total",
        powReorgs: "ratify_pow_reorgs_total",
        powFinalHeight: "ratify_pow_final_height"
    )

    public init(factory: any MetricsFactory) {
        self.factory = factory
        let names = Self.names
        height = CoreMetrics.Gauge(label: names.height, factory: factory)
        rounds = CoreMetrics.Gauge(label: names.rounds, factory: factory)
        blockInterval = CoreMetrics.Timer(label: names.blockInterval, factory: factory)
        finalityLatency = CoreMetrics.Timer(label: names.finalityLatency, factory: factory)
        proposals = CoreMetrics.Counter(label: names.proposals, factory: factory)
        commitWaitsSkipped = CoreMetrics.Counter(label: names.commitWaitsSkipped, factory: factory)
        mempoolSize = CoreMetrics.Gauge(label: names.mempoolSize, factory: factory)
        peers = CoreMetrics.Gauge(label: names.peers, factory: factory)
        storeCommitLatency = CoreMetrics.Timer(label: names.storeCommitLatency, factory: factory)
        powHashes = CoreMetrics.Counter(label: names.powHashes, factory: factory)
        powBlocksMined = CoreMetrics.Counter(label: names.powBlocksMined, factory: factory)
        powReorgs = CoreMetrics.Counter(label: names.powReorgs, factory: factory)
        powFinalHeight = CoreMetrics.Gauge(label: names.powFinalHeight, factory: factory)
    }

    /// A Prometheus registry and metrics writing to it, with histogram buckets suited to each
    /// latency (block times of about a second, store commits of milliseconds).
    public static func prometheus(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry())
        -> (metrics: NodeMetrics, registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        let blockBuckets: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                        .milliseconds(1_500), .seconds(2), .seconds(3), .seconds(5), .seconds(10), .seconds(30)]
        factory.durationHistogramBuckets = [
            names.blockInterval: blockBuckets,
            names.finalityLatency: blockBuckets,
            names.storeCommitLatency: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                       .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500)],
        ]
        return (NodeMetrics(factory: factory), registry)
    }

    /// Counts a precommit of `validator` missing from a commit.
    public func missedVote(validator: Address) {
        let counter = missedVotes.withLock { counters -> CoreMetrics.Counter in
            if let counter = counters[validator] { return counter }
            let label = counters.count < Self.missedVoteValidatorsMax ? validator.hex : "other"
            let counter = CoreMetrics.Counter(label: Self.names.missedVotes, dimensions: [("validator", label)], factory: factory)
            counters[validator] = counter
            return counter
        }
        counter.increment()
    }
}
