/// Everything one finality run measured; written as JSON by `--json` (schema in
/// docs/PERFORMANCE.md, "JSON report") and read by Tools/plot-finality.py.
public struct BenchReport: Sendable, Codable, Equatable {
    public struct Settings: Sendable, Codable, Equatable {
        public var validators: Int
        public var rateTxPerSecond: Double
        public var durationSeconds: Double
        public var warmupSeconds: Double
        public var clients: Int
        public var attach: [String]?
        /// Genesis consensus timeouts of the chain measured (own localnet), in milliseconds.
        public var timeoutProposeMillis: UInt64?
        public var timeoutCommitMillis: UInt64?
        public var heartbeatMillis: UInt64?
        /// How "final" is learned, starting with the `--confirm` path that ran; see
        /// `FinalityBench.finalityMethod`.
        public var finalityMethod: String
        /// Build mode of this binary (and of the nodes, when the run started them).
        public var buildMode: String
        public var durableStorage: Bool
        /// `--batch-window-ms` when submissions were gathered into `POST /txs`; nil for one
        /// `POST /tx` a transaction.
        public var batchWindowMillis: Double?

        enum CodingKeys: String, CodingKey {
            case validators, rateTxPerSecond = "rate_tx_per_s", durationSeconds = "duration_s", warmupSeconds = "warmup_s"
            case clients, attach, timeoutProposeMillis = "timeout_propose_ms", timeoutCommitMillis = "timeout_commit_ms"
            case heartbeatMillis = "heartbeat_ms", finalityMethod = "finality_method", buildMode = "build_mode"
            case durableStorage = "durable_storage", batchWindowMillis = "batch_window_ms"
        }
    }

    public struct Throughput: Sendable, Codable, Equatable {
        /// Transactions scheduled in the measured window (after warm-up), and per second.
        public var offered: Int
        public var offeredPerSecond: Double
        /// Of those, how many the node answered as final, and per second of the window.
        public var finalized: Int
        public var finalizedPerSecond: Double
        /// Refused by the node (4xx), timed out waiting for finality (504), or lost (I/O).
        public var rejected: Int
        public var timedOut: Int
        public var failed: Int
        /// Counts of refusal messages, so a user sees why (`429 mempool full`, ...).
        public var failureReasons: [String: Int]

        enum CodingKeys: String, CodingKey {
            case offered, offeredPerSecond = "offered_tx_per_s", finalized, finalizedPerSecond = "finalized_tx_per_s"
            case rejected, timedOut = "timed_out", failed, failureReasons = "failure_reasons"
        }
    }

    public struct Latencies: Sendable, Codable, Equatable {
        /// Intended send time to the moment the client learned the transaction final (its tx
        /// event, or the `wait=final` answer; `settings.finality_method` says which).
        public var submitToFinal: LatencySummary
        /// Intended send time to the header time of the block that holds it (ms resolution).
        public var submitToProposal: LatencySummary
        /// Intended send time to the moment the request was written (the client's own lag).
        public var sendLag: LatencySummary

        enum CodingKeys: String, CodingKey {
            case submitToFinal = "submit_to_final", submitToProposal = "submit_to_proposal", sendLag = "send_lag"
        }
    }

    public struct Blocks: Sendable, Codable, Equatable {
        /// Blocks whose header time falls in the measured window.
        public var count: Int
        public var perSecond: Double
        public var transactionsPerBlockMean: Double
        public var transactionsPerBlockMax: Int
        public var roundsAboveZero: Int
        /// Header time to decision: the median node's, from the nodes' logs (own localnet), or
        /// to the first client answer for a transaction in the block (attached).
        public var proposeToFinal: LatencySummary
        public var proposeToFinalMethod: String
        /// Where a height's time goes on a validator (own localnet only; nil when attached).
        public var steps: Steps?
        /// Heights of the run the node no longer served when they were read after it (pruned:
        /// `[storage] retain_blocks`); the figures above cover only the heights it served. Nil
        /// when it served them all.
        public var heightsNotServed: Int?

        enum CodingKeys: String, CodingKey {
            case count, perSecond = "per_s", transactionsPerBlockMean = "txs_per_block_mean"
            case heightsNotServed = "heights_not_served"
            case transactionsPerBlockMax = "txs_per_block_max", roundsAboveZero = "rounds_above_zero"
            case proposeToFinal = "propose_to_final", proposeToFinalMethod = "propose_to_final_method"
            case steps = "steps_ms"
        }
    }

    /// A height's steps on the median validator, over the measured blocks decided in round 0
    /// (docs/NODE.md, "Log line and metrics"): round start → proposal here → own prevote → own
    /// precommit → decision → stored; `sign` is the part of all of them spent in the
    /// double-sign guard's durable writes.
    public struct Steps: Sendable, Codable, Equatable {
        public var propose: LatencySummary
        public var prevote: LatencySummary
        public var precommit: LatencySummary
        public var commit: LatencySummary
        public var store: LatencySummary
        public var sign: LatencySummary
    }

    public struct Node: Sendable, Codable, Equatable {
        public var name: String
        public var rssMaxBytes: UInt64
        /// CPU seconds used during the measured window, and as a share of one core.
        public var cpuSeconds: Double
        public var cpuCoreShare: Double
        /// CPU microseconds per transaction finalized in the window (nil when none was).
        public var cpuMicrosPerFinalizedTx: Double?
        /// Transaction signatures the node checked over the whole run (warm-up included) per
        /// transaction finalized in it, from its `ratify_signature_verifications_total`; nil
        /// without a metrics endpoint (attached nodes).
        public var signatureVerificationsPerTx: Double?
        /// The node's LMDB `data.mdb` size at the end of the run (own localnet only).
        public var dataFileBytes: UInt64?

        enum CodingKeys: String, CodingKey {
            case name, rssMaxBytes = "rss_max_bytes", cpuSeconds = "cpu_s", cpuCoreShare = "cpu_core_share"
            case cpuMicrosPerFinalizedTx = "cpu_us_per_finalized_tx", signatureVerificationsPerTx = "signature_verifications_per_tx"
            case dataFileBytes = "data_bytes"
        }
    }

    /// One per transaction (downsampled to at most `samplesMax`): seconds since the start
    /// of the window (negative during warm-up), latency in ms (-1 when never final).
    public struct Sample: Sendable, Codable, Equatable {
        public var t: Double
        public var latencyMillis: Double
        enum CodingKeys: String, CodingKey { case t, latencyMillis = "latency_ms" }
    }

    /// One per block in the run.
    public struct BlockSample: Sendable, Codable, Equatable {
        public var t: Double
        public var height: UInt64
        public var transactions: Int
        public var round: UInt32
        public var proposeToFinalMillis: Double?
        enum CodingKeys: String, CodingKey {
            case t, height, transactions = "txs", round, proposeToFinalMillis = "propose_to_final_ms"
        }
    }

    public static let samplesMax = 20_000

    public var machine: MachineInfo
    public var settings: Settings
    public var startedAt: String
    public var windowSeconds: Double
    public var throughput: Throughput
    public var latencyMillis: Latencies
    public var blocks: Blocks
    public var nodes: [Node]
    public var clientCPUSeconds: Double
    public var samples: [Sample]
    public var blockSeries: [BlockSample]

    enum CodingKeys: String, CodingKey {
        case machine, settings, startedAt = "started_at", windowSeconds = "window_s", throughput
        case latencyMillis = "latency_ms", blocks, nodes, clientCPUSeconds = "client_cpu_s", samples
        case blockSeries = "block_series"
    }

    /// Sustainable at a bound: every offered transaction final, none refused or lost, and
    /// p99 within `p99BoundMillis` (the `--saturate` criterion).
    public func isSustainable(p99BoundMillis: Double) -> Bool {
        throughput.offered > 0 && throughput.finalized == throughput.offered
            && latencyMillis.submitToFinal.p99 <= p99BoundMillis
    }
}
