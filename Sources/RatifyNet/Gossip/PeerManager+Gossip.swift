import NIOCore
import RatifyCore

/// Gossip: what the node sends, what arrives from peers, and the periodic catch-up that resends
/// over TCP whatever a peer's announced state says it is missing.
extension PeerManager {
    // MARK: node -> network

    /// Sends a message to every peer over TCP as it is: no per-peer "already has a vote from
    /// this validator" filter, no copy kept for resends. That filter is keyed by validator, not
    /// by content, so a second, conflicting vote would never leave; the node's test-only
    /// double-sign switch uses this to behave like a byzantine validator.
    public func broadcastUnfiltered(_ message: NetMessage) {
        let sessions = state.withLock { Array($0.sessions.values) }
        for session in sessions { _ = session.send(message) }
    }

    /// Sends a message to every peer. Votes and proposals also go out as UDP datagrams; votes
    /// and proposals are kept so that peers that miss them get them again over TCP. A block too
    /// large for one frame is sent in parts.
    public func broadcast(_ message: NetMessage) {
        let digest = Hash.sha256(message.encoded)
        let sessions = state.withLock { state -> [PeerSession] in
            _ = state.seen.insert(digest)
            switch message {
            case .vote(let vote): _ = state.votes.add(vote)
            case .proposal(let proposal): state.proposal = proposal
            case .block(let block): if block.height == state.proposal?.height { state.proposalBlock = block }
            default: break
            }
            return Array(state.sessions.values)
        }
        for session in sessions { deliver(message, to: session) }
    }

    /// Keeps a verified vote for peers whose announcements say they lack it, without sending it
    /// now: the node calls this for the votes its WAL replay hands back after a restart, so
    /// they can answer a peer that asks for a POL round's prevotes (`PeerState.polRound`).
    public func keep(_ vote: Vote) {
        state.withLock { state in
            if state.local.height == 0 || Self.isAdjacent(vote.height, to: state.local.height) { _ = state.votes.add(vote) }
        }
    }

    /// Sends a message to one peer over TCP; false when the peer is not connected or too slow.
    @discardableResult
    public func send(_ message: NetMessage, to peer: NodeID) -> Bool {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return false }
        return deliver(message, to: session)
    }

    /// Forgets that `message` was seen, so a later copy (a resend, a catch-up) is delivered
    /// again. The node calls this for messages it could not use yet, such as a block for a
    /// height it has not reached: without it, the duplicate filter would drop every copy.
    public func forget(_ message: NetMessage) {
        let digest = Hash.sha256(message.encoded)
        state.withLock { $0.seen.remove(digest) }
    }

    /// Tells peers where this node is in consensus. Call on every height, round or step change,
    /// and when `polRound` (the POL round whose prevotes consensus lacks, if any) changes.
    public func updateLocalState(height: Height, round: Round, step: RoundStep, polRound: Round? = nil) {
        let (announcement, sessions) = state.withLock { state -> (PeerState, [PeerSession]) in
            if height > state.local.height {
                state.votes.prune(below: height > 0 ? height - 1 : 0)
                if let proposal = state.proposal, proposal.height < height {
                    state.proposal = nil
                    state.proposalBlock = nil
                }
            }
            state.local = PeerState(height: height, round: round, step: step, polRound: polRound)
            let announcement = makeAnnouncement(&state)
            guard announcement != state.lastAnnounced else { return (announcement, []) }
            state.lastAnnounced = announcement
            return (announcement, Array(state.sessions.values))
        }
        for session in sessions { session.send(.peerState(announcement)) }
    }

    func localAnnouncement() -> PeerState {
        state.withLock { makeAnnouncement(&$0) }
    }

    func makeAnnouncement(_ state: inout State) -> PeerState {
        let local = state.local
        let polPrevotes = local.polRound.map { state.votes.bitmap(VoteKey(height: local.height, round: $0, type: .prevote)) }
        return PeerState(height: local.height, round: local.round, step: local.step,
                         prevotes: state.votes.bitmap(VoteKey(height: local.height, round: local.round, type: .prevote)),
                         precommits: state.votes.bitmap(VoteKey(height: local.height, round: local.round, type: .precommit)),
                         polRound: local.polRound, polPrevotes: polPrevotes ?? .empty)
    }

    /// Sends one message to one session, skipping votes it has, marking what it now has, adding
    /// the UDP copy of votes and proposals, and splitting large blocks.
    @discardableResult
    func deliver(_ message: NetMessage, to session: PeerSession) -> Bool {
        switch message {
        case .vote(let vote):
            let fresh = session.known.withLock { known -> Bool in
                guard !known.knows(vote) else { return false }
                known.markKnown(vote)
                return true
            }
            guard fresh else { return true }
            sendDatagram(message, to: session)
        case .proposal(let proposal):
            session.known.withLock { $0.proposalKnown = (proposal.height, proposal.round) }
            sendDatagram(message, to: session)
        case .block(let block):
            return sendBlock(block, to: session)
        default:
            break
        }
        return session.send(message)
    }

    func sendBlock(_ block: Block, to session: PeerSession) -> Bool {
        // One byte of message tag; the rest must fit one frame.
        if block.canonicalBytes.count + 1 <= NetLimits.messageBytesMax {
            return session.send(.block(block))
        }
        for part in BlockPart.split(block) where !session.send(.blockPart(part)) { return false }
        return true
    }

    // MARK: network -> node

    func received(_ received: ReceivedMessage, from session: PeerSession, transport: InboundMessage.Transport) {
        let message = received.message
        switch message {
        case .hello, .auth:
            session.close(.unexpectedMessage(message.kind.label))
        case .peerState(let announced):
            session.known.withLock { $0.update(announced) }
        case .blockRequest(let height):
            if takeBlockRequestToken(session) { serveCatchUp(height: height, to: session) }
        case .powBlockRequest:
            // The node answers from its store. Not through the duplicate filter: two peers may
            // ask for the same block, and a peer may ask again.
            guard session.canServe, takeBlockRequestToken(session) else { return }
            _ = continuation.yield(InboundMessage(peer: session.nodeID, message: message, transport: transport))
        case .blockPart(let part):
            guard state.withLock({ !$0.seen.contains(received.digest) }) else {
                metrics.duplicatesDropped.increment()
                return
            }
            switch assemble(part, from: session) {
            case .incomplete:
                return
            case .invalid(let reason):
                session.close(.malformed("block parts: \(reason)"))
            case .complete(let block):
                let whole = NetMessage.block(block)
                accept(whole, digest: Hash.sha256(whole.encoded), from: session, transport: transport)
            }
        default:
            accept(message, digest: received.digest, from: session, transport: transport)
        }
    }

    /// Spends one of the session's block-request tokens (`NetConfig.blockRequestsPerSecond`);
    /// false when it has none left and the request is to be dropped.
    func takeBlockRequestToken(_ session: PeerSession) -> Bool {
        let now = NIODeadline.now().uptimeNanoseconds
        return session.blockRequests.withLock { bucket -> Bool in
            bucket.refill(nowNanos: now)
            guard bucket.tokens >= 1 else { return false }
            _ = bucket.take(1, nowNanos: now)
            return true
        }
    }

    /// The gossip path of one message: drop duplicates by digest, judge (`MessageVerdict`),
    /// then deliver, and only for what was verified remember, count as the peer's, relay.
    /// A forged vote never enters the vote store nor marks its validator's vote as known,
    /// so it cannot stand in for the real one.
    func accept(_ message: NetMessage, digest: Hash, from session: PeerSession, transport: InboundMessage.Transport) {
        let fresh = state.withLock { $0.seen.insert(digest) }
        guard fresh else {
            // A copy of something seen: the peer has this content. It counts as knowing its
            // validator's vote only when the store holds this very vote (verified).
            if case .vote(let vote) = message, state.withLock({ $0.votes.holds(vote) }) {
                session.known.withLock { $0.markKnown(vote) }
            }
            metrics.duplicatesDropped.increment()
            return
        }
        let verdict = verifier(message)
        switch verdict {
        case .verified, .unverified:
            break
        case .ignored:
            state.withLock { $0.seen.remove(digest) }
            metrics.ignored.increment()
            return
        case .invalid(let what):
            state.withLock { $0.seen.remove(digest) }
            session.close(.invalidSignature(what))
            return
        }
        if verdict == .verified {
            switch message {
            case .vote(let vote): session.known.withLock { $0.markKnown(vote) }
            case .proposal(let proposal): session.known.withLock { $0.proposalKnown = (proposal.height, proposal.round) }
            default: break
            }
        }
        switch continuation.yield(InboundMessage(peer: session.nodeID, message: message, transport: transport)) {
        case .enqueued:
            break
        case .dropped:
            // The node is behind: forget the digest so the copy gossip resends is taken, and keep
            // the vote out of the store so our announcements say we still miss it.
            state.withLock {
                $0.seen.remove(digest)
                $0.deliveryDropped += 1
            }
            metrics.deliveryDropped.increment()
            return
        case .terminated:
            return
        @unknown default:
            return
        }
        let others = state.withLock { state -> [PeerSession] in
            var relay = false
            switch message {
            case .vote(let vote) where verdict == .verified:
                relay = true
                // Keep votes near our height only; others are delivered but not re-gossiped.
                if state.local.height == 0 || Self.isAdjacent(vote.height, to: state.local.height) {
                    _ = state.votes.add(vote)
                }
            case .proposal(let proposal) where verdict == .verified:
                relay = true
                state.proposedBlockIDs.append(proposal.blockID)
                if state.proposedBlockIDs.count > 16 { state.proposedBlockIDs.removeFirst() }
            case .evidence, .transaction:
                relay = verdict == .verified
            case .block(let block):
                // No signature to check: relayed only when a verified proposal names it.
                let id = block.id
                relay = state.proposedBlockIDs.contains(id)
                if relay, let proposal = state.proposal, proposal.blockID == id { state.proposalBlock = block }
            default:
                break
            }
            return relay ? state.sessions.values.filter { $0 !== session } : []
        }
        for other in others { deliver(message, to: other) }
    }

    /// Sends a message the node admitted after delivery (a transaction its mempool took) to
    /// every peer but the one it came from.
    public func relay(_ message: NetMessage, from origin: NodeID) {
        let sessions = state.withLock { state in state.sessions.values.filter { $0.nodeID != origin } }
        for session in sessions { deliver(message, to: session) }
    }

    /// Whether `height` is within one of `local`. A peer chooses `height` (up to 2^64-1), so
    /// nothing is added to it: the difference is taken on the side that cannot underflow.
    static func isAdjacent(_ height: Height, to local: Height) -> Bool {
        height >= local ? height - local <= 1 : local - height <= 1
    }

    // MARK: periodic catch-up

    func gossipTick() {
        let now = NIODeadline.now().uptimeNanoseconds
        let perPeer = config.votesPerPeerPerTick
        struct Plan { let session: PeerSession; var messages: [NetMessage]; var catchUp: Height? }
        let silenceNanos = UInt64(max(0, config.peerSilenceTimeoutMillis)) * 1_000_000
        var silent: [PeerSession] = []
        let (plans, announcement) = state.withLock { state -> ([Plan], PeerState?) in
            state.ticks += 1
            let local = state.local
            var plans: [Plan] = []
            for session in state.sessions.values {
                // A message may land after `now` was read; that session is anything but silent.
                let lastReceived = session.lastReceivedNanos.load(ordering: .relaxed)
                if lastReceived < now, now - lastReceived > silenceNanos {
                    silent.append(session)
                    continue
                }
                var plan = Plan(session: session, messages: [], catchUp: nil)
                session.known.withLock { known in
                    guard let peer = known.announced else { return }
                    if peer.height == local.height {
                        var rounds = [peer.round]
                        if local.round != peer.round { rounds.append(local.round) }
                        var sets: [VoteKey] = rounds.flatMap { round in
                            VoteType.allCases.map { VoteKey(height: peer.height, round: round, type: $0) }
                        }
                        // The prevotes of the POL round the peer says it cannot confirm.
                        if let polRound = peer.polRound, !rounds.contains(polRound) {
                            sets.append(VoteKey(height: peer.height, round: polRound, type: .prevote))
                        }
                        for key in sets {
                            let missing = state.votes.missing(key, known: known.known(key), limit: perPeer - plan.messages.count)
                            for vote in missing { known.markKnown(vote) }
                            plan.messages += missing.map(NetMessage.vote)
                        }
                        if let proposal = state.proposal, proposal.height == peer.height, proposal.round == peer.round,
                           known.proposalKnown.map({ $0 != (proposal.height, proposal.round) }) ?? true {
                            known.proposalKnown = (proposal.height, proposal.round)
                            plan.messages.append(.proposal(proposal))
                            if let block = state.proposalBlock { plan.messages.append(.block(block)) }
                        }
                    } else if peer.height < local.height, state.blockProvider != nil {
                        let recent = known.lastCatchUp.map { $0.height == peer.height && now &- $0.nanos < 1_000_000_000 } ?? false
                        if !recent {
                            known.lastCatchUp = (peer.height, now)
                            plan.catchUp = peer.height
                        }
                    }
                }
                if !plan.messages.isEmpty || plan.catchUp != nil { plans.append(plan) }
            }
            // Re-announce about once a second so a lost or late announcement heals.
            let every = UInt64(max(1, 1_000 / max(1, config.gossipIntervalMillis)))
            return (plans, state.ticks % every == 0 && !state.sessions.isEmpty ? makeAnnouncement(&state) : nil)
        }
        for session in silent { session.close(.silent(millis: config.peerSilenceTimeoutMillis)) }
        for plan in plans {
            for message in plan.messages {
                if case .block(let block) = message {
                    guard sendBlock(block, to: plan.session) else { break }
                } else {
                    guard plan.session.send(message) else { break }
                }
            }
            if let height = plan.catchUp { serveCatchUp(height: height, to: plan.session) }
        }
        if let announcement {
            for session in state.withLock({ Array($0.sessions.values) }) { session.send(.peerState(announcement)) }
        }
    }

    /// Sends the decided block and commit at `height` to a peer that is behind or asked, unless
    /// the peer is not draining what it has (`PeerSession.canServe`).
    func serveCatchUp(height: Height, to session: PeerSession) {
        guard session.canServe, let provider = state.withLock({ $0.blockProvider }), let (block, commit) = provider(height) else { return }
        guard session.send(.commit(commit)) else { return }
        _ = sendBlock(block, to: session)
    }
}
