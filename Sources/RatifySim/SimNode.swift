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
    /// The gossip layer's vote store: verified votes within one height of the core's, by
    /// (height, round, type), the first per validator (as the node's `VoteStore` keeps them).
    /// What it holds is what the node announces it has, whether or not its core used it.
    var voteStore: [SimVoteKey: SimVoteSet] = [:]
    /// The last proposal this node broadcast (the node's gossip keeps only its own).
    var ownProposal: Int?
    /// Rounds of the proposals received at `proposalRoundsHeight` (a proposal for a height the
    /// node had not reached is not counted: the node's peers send it again when it gets there).
    var proposalRounds: [Round] = []
    var proposalRoundsHeight: Height = 0
    /// When this node's gossip last sent a peer a vote or its proposal. A peer's announcement
    /// replaces what a sender assumed from its own sends about once a second, so something
    /// lost on the way goes again after that.
    var gossipSent: [SimVoteKey: SimSentMarks] = [:]
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

    /// Everything the gossip layer keeps in memory, lost on a crash.
    func forgetGossip() {
        voteStore = [:]
        ownProposal = nil
        proposalRounds = []
        proposalRoundsHeight = 0
        gossipSent = [:]
    }
}

/// One (height, round, type) vote set of a node's gossip vote store.
struct SimVoteKey: Hashable, Sendable {
    var height: Height
    var round: Round
    var prevote: Bool
}

/// The votes held for one `SimVoteKey`: message ids by validator index (-1: none) and the
/// same as a bitmap, so a peer's missing votes are one mask operation per 64 validators.
struct SimVoteSet: Sendable {
    var ids: [Int32] = []
    var mask: [UInt64] = []

    func holds(_ index: Int) -> Bool {
        index / 64 < mask.count && mask[index / 64] & (1 << UInt64(index % 64)) != 0
    }

    /// Adds message `id` for validator `index`; false when that validator already has one.
    mutating func add(_ id: Int, index: Int) -> Bool {
        guard !holds(index) else { return false }
        if ids.count <= index { ids += [Int32](repeating: -1, count: index + 1 - ids.count) }
        while mask.count <= index / 64 { mask.append(0) }
        ids[index] = Int32(id)
        mask[index / 64] |= 1 << UInt64(index % 64)
        return true
    }
}

/// When a node's gossip last sent each peer each vote of one `SimVoteKey`, and its proposal of
/// that round: `millis[slot * peerCount + peer]`, slot 0 the proposal and slot i + 1 validator
/// i's vote; 0 for never.
struct SimSentMarks: Sendable {
    var millis: [UInt64] = []

    mutating func mark(peer: Int, slot: Int, peerCount: Int, at now: UInt64) {
        let position = slot * peerCount + peer
        if millis.count <= position { millis += [UInt64](repeating: 0, count: position + 1 - millis.count) }
        millis[position] = max(now, 1)
    }

    /// Whether the send is younger than a peer's announcement interval: the peer's next
    /// announcement would show whether it arrived.
    func isRecent(peer: Int, slot: Int, peerCount: Int, now: UInt64) -> Bool {
        let position = slot * peerCount + peer
        guard position < millis.count, millis[position] != 0 else { return false }
        return now < millis[position] + Simulation.announceIntervalMillis
    }
}
