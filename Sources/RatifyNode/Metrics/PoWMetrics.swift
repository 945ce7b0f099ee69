import CoreMetrics

/// The proof-of-work and hybrid node's metrics: its miner and the chain's final height.
public final class PoWMetrics: Sendable {
    /// Hashes this node's miner computed.
    public let hashes: CoreMetrics.Counter
    /// Blocks this node mined that became its tip.
    public let blocksMined: CoreMetrics.Counter
    /// Tip changes that disconnected blocks.
    public let reorgs: CoreMetrics.Counter
    /// The highest block with k confirmations.
    public let finalHeight: CoreMetrics.Gauge

    public static let names = (
        hashes: "ratify_pow_hashes_total",
        blocksMined: "ratify_pow_blocks_mined_total",
        reorgs: "ratify_pow_reorgs_total",
        finalHeight: "ratify_pow_final_height"
    )

    init(factory: any MetricsFactory) {
        let names = Self.names
        hashes = CoreMetrics.Counter(label: names.hashes, factory: factory)
        blocksMined = CoreMetrics.Counter(label: names.blocksMined, factory: factory)
        reorgs = CoreMetrics.Counter(label: names.reorgs, factory: factory)
        finalHeight = CoreMetrics.Gauge(label: names.finalHeight, factory: factory)
    }
}
