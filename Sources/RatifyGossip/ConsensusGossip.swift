import NIOCore
import RatifyCore
import RatifyNet
import Synchronization

/// The consensus gossip of a proof-of-stake node, beside consensus and on top of the peer network
/// (`PeerReactor`, as CometBFT's consensus reactor sits on its p2p switch): the verified votes
/// near the node's height, the current proposal and its block, what each peer announced and is
/// known to hold, and the resends that fill a peer's gaps on every gossip tick.
///
/// The node tells it where consensus is (`updateLocalState`) and what it signs (`broadcast`); the
/// network hands it what peers send. Votes go to a peer once (a vote from a validator for a
/// set the peer holds is not sent again), over UDP as well as TCP; a peer at this node's height is
/// sent the votes its announcement lacks and the proposal; a peer behind is sent decided blocks.
///
/// Threading: its state sits behind one mutex that is never held while calling the network.
public final class ConsensusGossip: PeerReactor {
    let peers: PeerManager
    /// Votes resent to one peer per tick (`NetConfig.votesPerPeerPerTick`).
    let votesPerPeerPerTick: Int
    /// Ticks between two unprompted announcements: about one second.
    let ticksPerAnnouncement: UInt64
    let state: Mutex<State>

    struct State: Sendable {
        var local = PeerState(height: 0, round: 0, step: .newHeight)
        /// What `updateLocalState` last sent to every peer: the node calls it after each message
        /// it handles, and an unchanged announcement is not sent again (the tick repeats it).
        var lastAnnounced: PeerState?
        var votes: VoteStore
        var proposal: Proposal?
        var proposalBlock: Block?
        /// Block ids (and rounds) of the last proposals that passed the verifier: a received
        /// block is relayed only when a signed proposal names it, so junk blocks are not amplified.
        var proposedBlocks: [(id: BlockID, round: Round)] = []
        var known: [NodeID: PeerKnownState] = [:]
        var ticks: UInt64 = 0
        /// Verified votes, proposals and blocks to relay once `relayDelayMillis` have passed
        /// (at `dueNanos`, `NIODeadline` time), with the peer each came from; oldest first.
        var pendingRelays: [(message: NetMessage, origin: NodeID, dueNanos: UInt64)] = []
        var relayFlushScheduled = false
    }

    /// How long a received vote, proposal or block waits before it is relayed, so that peers
    /// that got it from its sender too can say so first. Each node announces the votes it holds
    /// (`updateLocalState`) about a millisecond after it takes them, and a peer past the propose
    /// step of a round has its proposal: in a full mesh of validators, every relay would be a
    /// copy the peer drops (it got the original), and the copies cost each node two thirds of
    /// its consensus messages (docs/PERFORMANCE.md, "Relays"). Where a peer does depend on the
    /// relay (a sentry in front of a validator), it arrives this much later.
    static let relayDelayMillis: Int64 = 10
    /// Relays falling due within the same slot of this many milliseconds share one flush: a due
    /// time is rounded up to the slot's end, so the votes of a step, taken over a millisecond or
    /// two, cost one timer wake-up rather than one each. A relay waits `relayDelayMillis` to
    /// `relayDelayMillis + relaySlotMillis`.
    static let relaySlotMillis: Int64 = 4

    /// When a relay taken at `nowNanos` falls due: `relayDelayMillis` later, rounded up to the
    /// end of its `relaySlotMillis` slot.
    static func relayDue(takenNanos nowNanos: UInt64) -> UInt64 {
        let slotNanos = UInt64(relaySlotMillis) * 1_000_000
        let earliest = nowNanos + UInt64(relayDelayMillis) * 1_000_000
        return (earliest / slotNanos + (earliest % slotNanos == 0 ? 0 : 1)) * slotNanos
    }
    /// Relays waiting at most; past this, the oldest are sent at once.
    static let pendingRelaysMax = 1_024

    /// Makes the gossip and attaches it to `peers`; call before `peers.start()`.
    public init(peers: PeerManager) {
        self.peers = peers
        votesPerPeerPerTick = peers.config.votesPerPeerPerTick
        ticksPerAnnouncement = UInt64(max(1, 1_000 / max(1, peers.config.gossipIntervalMillis)))
        state = Mutex(State(votes: VoteStore(capacity: peers.config.voteStoreMax)))
        peers.attach(self)
    }

    /// Verified votes held for resends.
    public var storedVotes: Int { state.withLock { $0.votes.count } }

    /// The highest height a connected peer announced (its word, unverified); 0 before any did.
    public var peerHeightMax: Height {
        state.withLock { state in state.known.values.compactMap { $0.announced?.height }.max() ?? 0 }
    }

    // MARK: node -> peers

    /// Sends what this node signed or proposes to every peer: a vote or proposal to each peer
    /// not known to hold it (TCP and UDP), kept for resends; a proposal's block to all (TCP).
    /// Other messages go out as they are (`PeerManager.broadcast`).
    public func broadcast(_ message: NetMessage) {
        let connected = peers.connectedPeers
        let targets = state.withLock { state -> [NodeID] in
            switch message {
            case .vote(let vote):
                _ = state.votes.add(vote)
                return connected.filter { state.known[$0, default: PeerKnownState()].markIfNew(vote) }
            case .proposal(let proposal):
                state.proposal = proposal
                for peer in connected { state.known[peer, default: PeerKnownState()].proposalKnown = (proposal.height, proposal.round) }
                return connected
            case .block(let block):
                if block.height == state.proposal?.height { state.proposalBlock = block }
                return connected
            default:
                return connected
            }
        }
        peers.send(message, toEach: targets, alsoByDatagram: message.kind == .vote || message.kind == .proposal, markingSeen: true)
    }

    /// Keeps a verified vote for peers whose announcements say they lack it, without sending it
    /// now: the node calls this for the votes its WAL replay hands back after a restart, so
    /// they can answer a peer that asks for a POL round's prevotes (`PeerState.polRound`).
    public func keep(_ vote: Vote) {
        state.withLock { state in
            if state.local.height == 0 || Self.isAdjacent(vote.height, to: state.local.height) { _ = state.votes.add(vote) }
        }
    }

    /// Tells peers where this node is in consensus. Call on every height, round or step change,
    /// and when `polRound` (the POL round whose prevotes consensus lacks, if any) changes.
    public func updateLocalState(height: Height, round: Round, step: RoundStep, polRound: Round? = nil) {
        let announcement = state.withLock { state -> PeerState? in
            if height > state.local.height {
                state.votes.prune(below: height > 0 ? height - 1 : 0)
                if let proposal = state.proposal, proposal.height < height {
                    state.proposal = nil
                    state.proposalBlock = nil
                }
            }
            state.local = PeerState(height: height, round: round, step: step, polRound: polRound)
            let announcement = Self.announcement(state)
            guard announcement != state.lastAnnounced else { return nil }
            state.lastAnnounced = announcement
            return announcement
        }
        if let announcement { peers.send(.peerState(announcement), toEach: peers.connectedPeers) }
    }

    /// Announces this node's round state to every peer now, even if unchanged: after a restart
    /// re-sends its own votes, so peers learn at once what it holds.
    public func reannounce() {
        let announcement = state.withLock { state in
            let announcement = Self.announcement(state)
            state.lastAnnounced = announcement
            return announcement
        }
        peers.send(.peerState(announcement), toEach: peers.connectedPeers)
    }

    static func announcement(_ state: State) -> PeerState {
        let local = state.local
        let polPrevotes = local.polRound.map { state.votes.bitmap(VoteKey(height: local.height, round: $0, type: .prevote)) }
        return PeerState(height: local.height, round: local.round, step: local.step,
                         prevotes: state.votes.bitmap(VoteKey(height: local.height, round: local.round, type: .prevote)),
                         precommits: state.votes.bitmap(VoteKey(height: local.height, round: local.round, type: .precommit)),
                         polRound: local.polRound, polPrevotes: polPrevotes ?? .empty)
    }

    /// Whether `height` is within one of `local`. A peer chooses `height` (up to 2^64-1), so
    /// nothing is added to it: the difference is taken on the side that cannot underflow.
    static func isAdjacent(_ height: Height, to local: Height) -> Bool {
        height >= local ? height - local <= 1 : local - height <= 1
    }
}
