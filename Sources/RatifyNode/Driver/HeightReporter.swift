import Foundation
import Logging
import RatifyCore
import RatifyLedger

/// What a stored height tells operators: the `finalized` log line (with the height's step
/// breakdown), the node's metrics, and in-process observers (`NodeDriver.finalizedStream`, for
/// tests and benchmarks). Waiting clients and `GET /events` are told by the driver, which owns
/// them; this type owns nothing the consensus depends on.
struct HeightReporter {
    let logger: Logger
    let metrics: NodeMetrics?
    /// When the last reported height was decided, for the `finalized` line's interval.
    private var lastDecidedMillis: Double
    private var observers: [UUID: AsyncStream<NodeDriver.Finalized>.Continuation] = [:]

    init(logger: Logger, metrics: NodeMetrics?, startedMillis: Double) {
        self.logger = logger
        self.metrics = metrics
        self.lastDecidedMillis = startedMillis
    }

    /// What the validator metrics read from the node when a height is reported; asked for only
    /// when the node keeps proof-of-stake metrics.
    struct ValidatorView {
        /// This node's validator's address, nil for a full node.
        var me: Address?
        var chain: ChainState
        var ledgerState: LedgerState
        var catchingUp: Bool
        var blocksyncTargetHeight: Height
    }

    /// One stored height: logs its `finalized` line, records its metrics and tells observers.
    /// Its latency and interval run to its decision (`decidedMillis`), when it became final;
    /// `storeMillis`: from the decision to its store
    /// transaction's end, which held this height and `storedWith - 1` others (block sync stores
    /// a run of heights at once). `lastCommit`: the block's last commit and the set that signed
    /// it, which the metrics read as the ledger does for downtime (late precommits included).
    mutating func report(_ decision: NodeDriver.ExecutedDecision, decidedMillis: Double, lastCommitSigners: ValidatorSet?,
                         storeMillis: Double, storedWith: Int, steps: HeightSteps?, mempoolCount: Int, peerCount: Int,
                         view: () -> ValidatorView) {
        let block = decision.block
        let finalized = NodeDriver.Finalized(height: block.height, round: decision.commit.round, blockID: block.id,
                                             appHash: decision.executed.result.appHash,
                                             transactionCount: block.transactions.count,
                                             latencyMillis: max(0, decidedMillis - Double(block.header.timeMillis)),
                                             intervalMillis: decidedMillis - lastDecidedMillis)
        lastDecidedMillis = decidedMillis
        var metadata: Logger.Metadata = [
            "height": "\(finalized.height)", "round": "\(finalized.round)", "txs": "\(finalized.transactionCount)",
            "interval_ms": "\(Int(finalized.intervalMillis))", "latency_ms": "\(finalized.latencyMillis.fixedPoint(fractionDigits: 1))",
            "store_ms": "\(storeMillis.fixedPoint(fractionDigits: 1))", "hash": "\(finalized.blockID.hash.short)",
            "app_hash": "\(finalized.appHash.short)",
        ]
        if storedWith > 1 { metadata["stored_with"] = "\(storedWith)" }
        if let steps {
            let names = HeightSteps.fieldNames
            for (name, millis) in [(names.propose, steps.proposeMillis), (names.prevote, steps.prevoteMillis),
                                   (names.precommit, steps.precommitMillis), (names.commit, steps.commitMillis),
                                   (names.sign, steps.signMillis)] {
                metadata[name] = "\(millis.fixedPoint(fractionDigits: 2))"
            }
        }
        logger.info("finalized", metadata: metadata)
        if let metrics {
            metrics.height.record(Double(finalized.height))
            metrics.blockInterval.recordNanoseconds(Int64(finalized.intervalMillis * 1_000_000))
            metrics.mempoolSize.record(Double(mempoolCount))
            metrics.peers.record(Double(peerCount))
            if let consensus = metrics.consensus {
                consensus.rounds.record(Double(finalized.round) + 1)
                consensus.finalityLatency.recordNanoseconds(Int64(finalized.latencyMillis * 1_000_000))
                consensus.storeCommitLatency.recordNanoseconds(Int64(storeMillis * 1_000_000))
                let lastCommit = block.lastCommit.flatMap { commit in lastCommitSigners.map { (commit, $0) } }
                Self.recordValidator(consensus, view: view(), lastCommit: lastCommit)
            }
        }
        for observer in observers.values { observer.yield(finalized) }
    }

    /// The chain tip at start-up, before any height is reported.
    func reportStart(height: Height, view: () -> ValidatorView) {
        metrics?.height.record(Double(height))
        if let consensus = metrics?.consensus { Self.recordValidator(consensus, view: view(), lastCommit: nil) }
    }

    /// Block sync's state, when a peer's commit raises the height it syncs to.
    func reportBlocksync(syncing: Bool, targetHeight: Height) {
        metrics?.consensus?.recordBlocksync(syncing: syncing, targetHeight: targetHeight)
    }

    /// This node's validator's power now, and what the last commit says about the set.
    private static func recordValidator(_ metrics: ConsensusMetrics, view: ValidatorView,
                                        lastCommit: (commit: Commit, signers: ValidatorSet)?) {
        metrics.validatorPower.record(view.me.flatMap { view.chain.validators.validator(at: $0)?.votingPower } ?? 0)
        metrics.recordBlocksync(syncing: view.catchingUp, targetHeight: view.blocksyncTargetHeight)
        guard let lastCommit else { return }
        let state = view.ledgerState
        metrics.record(CommitParticipation(commit: lastCommit.commit, validators: lastCommit.signers, me: view.me,
                                           name: { state.validator(address: $0)?.name }))
    }

    mutating func addObserver(_ id: UUID, _ continuation: AsyncStream<NodeDriver.Finalized>.Continuation) {
        observers[id] = continuation
    }

    mutating func removeObserver(_ id: UUID) { observers[id] = nil }

    /// The node stopped: observers' streams end.
    func finishObservers() {
        for observer in observers.values { observer.finish() }
    }
}
