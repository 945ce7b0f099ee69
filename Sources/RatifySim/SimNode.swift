import RatifyConsensus
import RatifyCore

/// One simulated process: a consensus core driven by a simulated shell, with exactly the
/// state a real node persists (`store`, `signer`, `wal`) and the state it loses on a crash
/// (everything else, the core included).
///
/// A class, allocated once per node per run: the event loop touches a node for every
/// delivery, and reaching into an array of large structs copies the whole element in the
/// debug builds CI runs. It never leaves its `Simulation`.
final class SimNode {
    /// Index of the validator key this node signs with (twins share one).
    let identity: Int
    /// nil for an honest node; a twin copy carries `.twin`, as does its original.
    let behavior: ByzantineBehavior?

    var core: Consensus
    var crashed = false
    /// Bumped by every restart, so timers set before a crash never fire after it.
    var incarnation: UInt32 = 0

    // Persisted.
    /// Decided blocks and their commits; `store[h - 1]` is height h.
    var store: [(block: Block, commit: Commit)] = []
    var signer = SimSigner()
    /// Inputs of the current height, in the order the core handled them (WAL).
    var wal: [ConsensusInput] = []
    var walHeight: Height = 1
    /// Votes for the next height that the core buffered, in order: they open the next
    /// height's WAL, because the core counts them when it gets there, right after StartRound(0).
    var walNext: [ConsensusInput] = []

    // Lost on a crash.
    /// Ids of messages this node signed at `outboxHeight`, for peers that need them again.
    var outbox: [Int] = []
    var outboxHeight: Height = 1
    /// Messages the core could not use yet (future height or round), re-delivered when it
    /// gets there: gossip catch-up, as CometBFT's peer routines send what a peer's round needs.
    var deferred: [Int] = []
    var syncInFlight = false
    /// The last (height, round, POL round) this node announced it lacks prevotes for, so that
    /// it asks again only when that changes or a round stalls, as the node announces.
    var polRoundAsked: (height: Height, round: Round, polRound: Round)?

    // For the invariant checks (not node state).
    var lastProgressMillis: UInt64 = 0
    var checkedHeight: Height = 0
    var signedVotes: [SignedRecord] = []
    var signedProposals: [SignedRecord] = []

    init(identity: Int, behavior: ByzantineBehavior?, core: Consensus) {
        self.identity = identity
        self.behavior = behavior
        self.core = core
    }

    /// A second process with the same key and the same state so far (a twin).
    func twin() -> SimNode {
        SimNode(identity: identity, behavior: behavior, core: core)
    }

    var isHonest: Bool { behavior == nil }
    var decidedHeight: Height { Height(store.count) }

    static let deferredMax = 4_096
}
