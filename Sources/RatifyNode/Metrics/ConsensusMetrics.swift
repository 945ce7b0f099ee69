import CoreMetrics
import RatifyCore
import Synchronization

/// The proof-of-stake node's metrics: its rounds and latencies, this node's own validator,
/// the validators missing from the last commit, and block sync.
public final class ConsensusMetrics: Sendable {
    /// Rounds the last height took (1 when decided in round 0).
    public let rounds: CoreMetrics.Gauge
    /// From a block's proposal time to its decision on this node (histogram).
    public let finalityLatency: CoreMetrics.Timer
    /// Proposals this node made.
    public let proposals: CoreMetrics.Counter
    /// Commit waits ended early because every validator's precommit was in.
    public let commitWaitsSkipped: CoreMetrics.Counter
    /// Time to write a decided block, its commit and state in one store transaction (histogram).
    public let storeCommitLatency: CoreMetrics.Timer
    /// This node's validator's voting power in the current set (0 when not in it).
    public let validatorPower: CoreMetrics.Gauge
    /// The latest height whose commit holds this node's validator's precommit.
    public let validatorLastSignedHeight: CoreMetrics.Gauge
    /// Heights whose commit lacks this node's validator's precommit while it was in the set.
    public let validatorMissedBlocks: CoreMetrics.Counter
    /// How many validators, and how much power, the last commit lacks.
    public let missingValidators: CoreMetrics.Gauge
    public let missingValidatorsPower: CoreMetrics.Gauge
    /// 1 while block sync applies blocks peers have finalized past this node, else 0.
    public let blocksyncSyncing: CoreMetrics.Gauge
    /// The highest height a peer has shown a commit for: where block sync is heading.
    public let blocksyncTargetHeight: CoreMetrics.Gauge

    private let factory: any MetricsFactory
    private let missedVotes = Mutex<[Address: CoreMetrics.Counter]>([:])
    /// One series per validator missing from the last commit, removed once it signs again: at
    /// most the set's size, however the set changes over a node's life.
    private let missingSeries = Mutex<[Address: CoreMetrics.Gauge]>([:])
    /// Validators tracked by `missedVote`; beyond this they share one series, so a long-lived
    /// node with a changing set keeps a bounded number of series.
    public static let missedVoteValidatorsMax = 1_000

    public static let names = (
        rounds: "ratify_consensus_rounds",
        finalityLatency: "ratify_consensus_finality_latency_seconds",
        proposals: "ratify_consensus_proposals_total",
        commitWaitsSkipped: "ratify_consensus_commit_waits_skipped_total",
        missedVotes: "ratify_consensus_missed_votes_total",
        storeCommitLatency: "ratify_store_commit_latency_seconds",
        validatorPower: "ratify_validator_power",
        validatorLastSignedHeight: "ratify_validator_last_signed_height",
        validatorMissedBlocks: "ratify_validator_missed_blocks_total",
        missingValidators: "ratify_consensus_missing_validators",
        missingValidatorsPower: "ratify_consensus_missing_validators_power",
        missingValidator: "ratify_consensus_missing_validator",
        blocksyncSyncing: "ratify_blocksync_syncing",
        blocksyncTargetHeight: "ratify_blocksync_target_height"
    )

    init(factory: any MetricsFactory) {
        self.factory = factory
        let names = Self.names
        rounds = CoreMetrics.Gauge(label: names.rounds, factory: factory)
        finalityLatency = CoreMetrics.Timer(label: names.finalityLatency, factory: factory)
        proposals = CoreMetrics.Counter(label: names.proposals, factory: factory)
        commitWaitsSkipped = CoreMetrics.Counter(label: names.commitWaitsSkipped, factory: factory)
        storeCommitLatency = CoreMetrics.Timer(label: names.storeCommitLatency, factory: factory)
        validatorPower = CoreMetrics.Gauge(label: names.validatorPower, factory: factory)
        validatorLastSignedHeight = CoreMetrics.Gauge(label: names.validatorLastSignedHeight, factory: factory)
        validatorMissedBlocks = CoreMetrics.Counter(label: names.validatorMissedBlocks, factory: factory)
        missingValidators = CoreMetrics.Gauge(label: names.missingValidators, factory: factory)
        missingValidatorsPower = CoreMetrics.Gauge(label: names.missingValidatorsPower, factory: factory)
        blocksyncSyncing = CoreMetrics.Gauge(label: names.blocksyncSyncing, factory: factory)
        blocksyncTargetHeight = CoreMetrics.Gauge(label: names.blocksyncTargetHeight, factory: factory)
        for gauge in [validatorPower, validatorLastSignedHeight, missingValidators, missingValidatorsPower, blocksyncSyncing,
                      blocksyncTargetHeight] {
            gauge.record(0)
        }
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

    /// A finalized block's last commit (the precommits of the height before, as the ledger
    /// counts them for downtime): who is missing, and whether this node's validator signed.
    public func record(_ participation: CommitParticipation) {
        missingValidators.record(participation.missing.count)
        missingValidatorsPower.record(participation.missing.reduce(Int64(0)) { $0 + $1.votingPower })
        for member in participation.missing { missedVote(validator: member.address) }
        switch participation.signedByMe {
        case true?: validatorLastSignedHeight.record(Int64(clamping: participation.height))
        case false?: validatorMissedBlocks.increment()
        case nil: break
        }
        let missing = Dictionary(participation.missing.map { ($0.address, $0.name) }, uniquingKeysWith: { first, _ in first })
        missingSeries.withLock { series in
            for (address, gauge) in series where missing[address] == nil {
                gauge.destroy()
                series[address] = nil
            }
            for (address, name) in missing where series[address] == nil {
                let gauge = CoreMetrics.Gauge(label: Self.names.missingValidator, dimensions: [("address", address.hex), ("name", name)],
                                              factory: factory)
                gauge.record(1)
                series[address] = gauge
            }
        }
    }

    /// Block sync's state after each height and each commit a peer shows.
    func recordBlocksync(syncing: Bool, targetHeight: Height) {
        blocksyncSyncing.record(syncing ? 1 : 0)
        blocksyncTargetHeight.record(Int64(clamping: targetHeight))
    }
}

/// What a block's last commit says about the set that signed it: the validators whose
/// precommit it lacks, and whether this node's validator signed it (nil when not in the set).
public struct CommitParticipation: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var address: Address
        /// The name its staking record carries (`unnamed` without one).
        public var name: String
        public var votingPower: Int64
    }

    public var height: Height
    public var missing: [Member]
    public var signedByMe: Bool?

    public init(commit: Commit, validators: ValidatorSet, me: Address?, name: (Address) -> String?) {
        height = commit.height
        missing = validators.validators.enumerated().compactMap { index, validator in
            guard commit.signatures.indices.contains(index), commit.signatures[index] == .absent else { return nil }
            return Member(address: validator.address, name: name(validator.address) ?? "unnamed", votingPower: validator.votingPower)
        }
        signedByMe = me.flatMap(validators.index(of:)).map { index in
            commit.signatures.indices.contains(index) && commit.signatures[index] != .absent
        }
    }
}
