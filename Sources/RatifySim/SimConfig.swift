import RatifyConsensus

/// One simulated network: who validates with what stake, who is byzantine and how, which faults
/// are injected, and for how long it runs. Everything else a run does follows from `seed`.
public struct SimConfig: Hashable, Sendable {
    public var validators: Int
    public var byzantine: Int
    public var stake: StakeDistribution
    public var heights: Int
    public var seed: UInt64
    public var faults: SimFaults
    /// Behaviours byzantine validators are drawn from (each picks one from the seed).
    public var byzantineBehaviors: [ByzantineBehavior]
    /// When true, the byzantine validators are chosen, and powers changed, so that their stake
    /// stays below 1/3 (the positive runs). When false, the first `byzantine` validators in
    /// order are byzantine whatever their stake (the negative control).
    public var keepByzantineBelowOneThird: Bool
    /// The ledger changes voting powers from the seed, effective two heights after the block.
    public var validatorSetChanges: Bool
    public var crypto: SimCrypto
    public var parameters: ConsensusParameters
    /// One-way link latency before GST is drawn per link from this range, plus jitter.
    public var linkLatencyMillis: ClosedRange<UInt64>
    /// After GST every message arrives within this many milliseconds.
    public var deliveryBoundAfterGSTMillis: UInt64
    /// GST is drawn from this range when any fault is enabled, and is 0 otherwise.
    public var gstMillis: ClosedRange<UInt64>
    /// How often a node looks for a peer that decided its height (block sync).
    public var syncIntervalMillis: UInt64
    /// The node's `gossipIntervalMillis`: how often a node's gossip sends peers what they lack.
    public var gossipIntervalMillis: UInt64 = 100
    /// Record a human-readable trace (for replays; costs time).
    public var trace: Bool

    public init(validators: Int = 4, byzantine: Int = 0, stake: StakeDistribution = .uniform, heights: Int = 50,
                seed: UInt64 = 1, faults: SimFaults = .all, byzantineBehaviors: [ByzantineBehavior] = ByzantineBehavior.allCases,
                keepByzantineBelowOneThird: Bool = true, validatorSetChanges: Bool = true, crypto: SimCrypto = .modeled,
                parameters: ConsensusParameters = SimConfig.defaultParameters,
                linkLatencyMillis: ClosedRange<UInt64> = 5...60, deliveryBoundAfterGSTMillis: UInt64 = 100,
                gstMillis: ClosedRange<UInt64> = 3_000...12_000, syncIntervalMillis: UInt64 = 1_000, trace: Bool = false) {
        self.validators = validators
        self.byzantine = byzantine
        self.stake = stake
        self.heights = heights
        self.seed = seed
        self.faults = faults
        self.byzantineBehaviors = byzantineBehaviors
        self.keepByzantineBelowOneThird = keepByzantineBelowOneThird
        self.validatorSetChanges = validatorSetChanges
        self.crypto = crypto
        self.parameters = parameters
        self.linkLatencyMillis = linkLatencyMillis
        self.deliveryBoundAfterGSTMillis = deliveryBoundAfterGSTMillis
        self.gstMillis = gstMillis
        self.syncIntervalMillis = syncIntervalMillis
        self.trace = trace
    }

    /// Timeouts scaled down from CometBFT's (simulated time is free, but shorter timeouts keep
    /// traces short); still far above the post-GST delivery bound, as the protocol needs.
    public static let defaultParameters = ConsensusParameters(
        timeoutProposeBaseMillis: 1_000, timeoutProposeDeltaMillis: 500,
        timeoutPrevoteBaseMillis: 500, timeoutPrevoteDeltaMillis: 250,
        timeoutPrecommitBaseMillis: 500, timeoutPrecommitDeltaMillis: 250,
        commitWaitMillis: 100)

    public static let validatorsMax = 1_000
    public static let heightsMax = 1_000_000

    /// A one-line description of what is wrong, or nil.
    public func validationError() -> String? {
        if validators < 1 || validators > SimConfig.validatorsMax {
            return "--validators must be between 1 and \(SimConfig.validatorsMax), got \(validators)"
        }
        if byzantine < 0 || byzantine > validators {
            return "--byzantine must be between 0 and --validators (\(validators)), got \(byzantine)"
        }
        if heights < 1 || heights > SimConfig.heightsMax {
            return "--heights must be between 1 and \(SimConfig.heightsMax), got \(heights)"
        }
        if case .list(let powers) = stake, powers.count != validators {
            return "--stake lists \(powers.count) powers for \(validators) validators"
        }
        if byzantine > 0 && byzantineBehaviors.isEmpty {
            return "byzantine validators need at least one behaviour"
        }
        return nil
    }

    /// The command line that replays this configuration.
    public var replayCommand: String {
        var parts = ["ratify sim", "--validators \(validators)", "--byzantine \(byzantine)", "--stake \(stake)",
                     "--heights \(heights)", "--runs 1", "--seed \(seed)", "--faults \(faults)"]
        if byzantineBehaviors != ByzantineBehavior.allCases {
            parts.append("--behaviors \(byzantineBehaviors.map(\.description).joined(separator: ","))")
        }
        if !keepByzantineBelowOneThird { parts.append("--unsafe-byzantine") }
        if !validatorSetChanges { parts.append("--no-validator-changes") }
        if crypto == .ed25519 { parts.append("--crypto ed25519") }
        return parts.joined(separator: " ")
    }
}
