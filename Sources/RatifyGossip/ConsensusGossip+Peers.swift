import NIOCore
import RatifyCore
import RatifyNet

/// What peers send and the gossip tick: the network's side of `ConsensusGossip`.
extension ConsensusGossip {
    public func peerConnected(_ peer: NodeID) {
        let announcement = state.withLock { state in
            // A new session knows nothing of what the previous one was sent.
            state.known[peer] = PeerKnownState()
            return Self.announcement(state)
        }
        peers.send(.peerState(announcement), to: peer)
    }

    public func peerDisconnected(_ peer: NodeID) {
        _ = state.withLock { $0.known.removeValue(forKey: peer) }
    }

    public func peerAnnounced(_ announced: PeerState, from peer: NodeID) {
        state.withLock { $0.known[peer, default: PeerKnownState()].update(announced) }
    }

    /// A copy of something seen: the peer has this content. It counts as knowing its validator's
    /// vote only when the store holds this very vote (verified), never a forgery's claim.
    public func receivedCopy(_ message: NetMessage, from peer: NodeID) {
        guard case .vote(let vote) = message else { return }
        state.withLock { state in
            if state.votes.holds(vote) { state.known[peer, default: PeerKnownState()].markKnown(vote) }
        }
    }

    /// Only what was verified counts as the peer's, is kept or relayed; a block is relayed when
    /// a verified proposal names it. A vote the node could not take (`delivered` false) stays
    /// out of the store, so announcements say this node still lacks it. Relays wait
    /// `relayDelayMillis` and the rest of their slot (`relayDue`), then go to the peers that
    /// still need them (`relayFlush`).
    public func received(_ message: NetMessage, verdict: MessageVerdict, delivered: Bool, from origin: NodeID) {
        enum Next { case nothing, schedule, flushNow }
        let dueNanos = Self.relayDue(takenNanos: NIODeadline.now().uptimeNanoseconds)
        let next = state.withLock { state -> Next in
            switch message {
            case .vote(let vote) where verdict == .verified:
                state.known[origin, default: PeerKnownState()].markKnown(vote)
                guard delivered else { return .nothing }
                // Keep votes near our height only; others are delivered but not re-gossiped.
                if state.local.height == 0 || Self.isAdjacent(vote.height, to: state.local.height) { _ = state.votes.add(vote) }
            case .proposal(let proposal) where verdict == .verified:
                state.known[origin, default: PeerKnownState()].proposalKnown = (proposal.height, proposal.round)
                guard delivered else { return .nothing }
                state.proposedBlocks.append((proposal.blockID, proposal.round))
                if state.proposedBlocks.count > 16 { state.proposedBlocks.removeFirst() }
            case .block(let block) where delivered:
                // No signature to check: relayed only when a verified proposal names it.
                let id = block.id
                guard state.proposedBlocks.contains(where: { $0.id == id }) else { return .nothing }
                if let proposal = state.proposal, proposal.blockID == id { state.proposalBlock = block }
            default:
                return .nothing
            }
            state.pendingRelays.append((message, origin, dueNanos))
            if state.pendingRelays.count > Self.pendingRelaysMax { return .flushNow }
            guard !state.relayFlushScheduled else { return .nothing }
            state.relayFlushScheduled = true
            return .schedule
        }
        switch next {
        case .nothing: break
        case .schedule:
            let now = NIODeadline.now().uptimeNanoseconds
            scheduleRelayFlush(in: Int64(dueNanos > now ? dueNanos - now : 0))
        case .flushNow: relayFlush(all: true)
        }
    }

    func scheduleRelayFlush(in nanos: Int64) {
        peers.schedule(in: .nanoseconds(nanos)) { [self] in relayFlush(all: false) }
    }

    /// Sends each waiting relay that is due (every one with `all`), over TCP, to the peers other
    /// than its sender that are not known to have it by now (`relayNeeded`); then schedules the
    /// next flush for the oldest relay still waiting.
    func relayFlush(all: Bool) {
        let connected = peers.connectedPeers
        let now = NIODeadline.now().uptimeNanoseconds
        let (sends, nextDue) = state.withLock { state -> ([(NetMessage, [NodeID])], UInt64?) in
            let dueCount = all ? state.pendingRelays.count : state.pendingRelays.prefix { $0.dueNanos <= now }.count
            let due = state.pendingRelays.prefix(dueCount)
            state.pendingRelays.removeFirst(dueCount)
            var nextDue: UInt64?
            if !all {
                // The timer that called this one is spent; the one for the rest starts here.
                state.relayFlushScheduled = !state.pendingRelays.isEmpty
                nextDue = state.pendingRelays.first?.dueNanos
            }
            let sends = due.compactMap { message, origin, _ -> (NetMessage, [NodeID])? in
                let targets = connected.filter { peer in
                    peer != origin && Self.relayNeeded(message, proposedBlocks: state.proposedBlocks,
                                                       known: &state.known[peer, default: PeerKnownState()])
                }
                return targets.isEmpty ? nil : (message, targets)
            }
            return (sends, nextDue)
        }
        for (message, targets) in sends { peers.send(message, toEach: targets) }
        if let nextDue { scheduleRelayFlush(in: Int64(nextDue > now ? nextDue - now : 0)) }
    }

    /// Whether a peer still needs a relayed message, marking it as sent when it does: a vote it
    /// has not announced or been sent, of a height it has not left (a peer that moved on decided
    /// that height with the votes it had); a proposal, or the block a proposal names, unless it
    /// announced a step past that round's propose step (then it has the proposal, or no longer
    /// needs it).
    static func relayNeeded(_ message: NetMessage, proposedBlocks: [(id: BlockID, round: Round)],
                            known: inout PeerKnownState) -> Bool {
        switch message {
        case .vote(let vote):
            if let announced = known.announced, announced.height > vote.height { return false }
            return known.markIfNew(vote)
        case .proposal(let proposal):
            let id = (proposal.height, proposal.round)
            if known.proposalKnown.map({ $0 == id }) ?? false { return false }
            // Past the propose step, the gossip tick would not send it either.
            known.proposalKnown = id
            return !known.isPastPropose(height: proposal.height, round: proposal.round)
        case .block(let block):
            let id = block.id
            guard let round = proposedBlocks.first(where: { $0.id == id })?.round else { return false }
            return !known.isPastPropose(height: block.height, round: round)
        default:
            return false
        }
    }

    /// Sends each peer at this node's height the votes of its round (and of this node's round,
    /// and of a POL round it asks for) that it lacks, up to `votesPerPeerPerTick`, and the
    /// proposal with its block; sends a peer that is behind that height's decided block
    /// (`PeerKnownState.takeCatchUp`: not while it is deciding or storing it); announces
    /// this node's state about once a second so a lost or late announcement heals.
    public func tick(peers connected: [NodeID]) {
        let now = NIODeadline.now().uptimeNanoseconds
        let servesBlocks = peers.servesBlocks
        struct Plan { let peer: NodeID; var messages: [NetMessage] = []; var catchUp: Height? }
        let (plans, announcement) = state.withLock { state -> ([Plan], PeerState?) in
            state.ticks += 1
            let local = state.local
            var plans: [Plan] = []
            for peer in connected {
                // Taken out and put back, so that it is changed in place rather than copied.
                guard var known = state.known.removeValue(forKey: peer) else { continue }
                defer { state.known[peer] = known }
                guard let announced = known.announced else { continue }
                var plan = Plan(peer: peer)
                if announced.height == local.height {
                    var rounds = [announced.round]
                    if local.round != announced.round { rounds.append(local.round) }
                    var sets: [VoteKey] = rounds.flatMap { round in
                        VoteType.allCases.map { VoteKey(height: announced.height, round: round, type: $0) }
                    }
                    // The prevotes of the POL round the peer says it cannot confirm.
                    if let polRound = announced.polRound, !rounds.contains(polRound) {
                        sets.append(VoteKey(height: announced.height, round: polRound, type: .prevote))
                    }
                    for key in sets {
                        let missing = state.votes.missing(key, known: known.known(key), limit: votesPerPeerPerTick - plan.messages.count)
                        for vote in missing { known.markKnown(vote) }
                        plan.messages += missing.map(NetMessage.vote)
                    }
                    if let proposal = state.proposal, proposal.height == announced.height, proposal.round == announced.round,
                       known.proposalKnown.map({ $0 != (proposal.height, proposal.round) }) ?? true {
                        known.proposalKnown = (proposal.height, proposal.round)
                        plan.messages.append(.proposal(proposal))
                        if let block = state.proposalBlock { plan.messages.append(.block(block)) }
                    }
                } else if servesBlocks {
                    plan.catchUp = known.takeCatchUp(localHeight: local.height, nowNanos: now)
                }
                if !plan.messages.isEmpty || plan.catchUp != nil { plans.append(plan) }
            }
            let announce = state.ticks % ticksPerAnnouncement == 0 && !connected.isEmpty
            return (plans, announce ? Self.announcement(state) : nil)
        }
        for plan in plans {
            if !plan.messages.isEmpty { peers.send(plan.messages, to: plan.peer) }
            if let height = plan.catchUp { peers.serveCatchUp(height: height, to: plan.peer) }
        }
        if let announcement { peers.send(.peerState(announcement), toEach: connected) }
    }
}
