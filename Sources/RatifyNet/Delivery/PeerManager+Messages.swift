import NIOCore
import NIOPosix
import RatifyCore

/// Messages between the node and its peers: what the node sends, what arrives from peers
/// (de-duplicated, judged, delivered, handed to the reactor), and the gossip timer. What a peer
/// holds and what to resend to it is the reactor's business (`PeerReactor`), not this file's.
extension PeerManager {
    // MARK: node -> network

    /// Sends a message to every peer over TCP, splitting a block too large for one frame, and
    /// marks it seen so that copies peers echo back are dropped.
    public func broadcast(_ message: NetMessage) {
        let sessions = state.withLock { Array($0.sessions.values) }
        let outgoing = Outgoing(Self.naming(sessions, in: message))
        markSeen(outgoing)
        for session in sessions { deliver(outgoing, to: session, alsoByDatagram: false) }
    }

    /// Sends a message to one peer over TCP (a block too large for one frame in parts), and with
    /// `alsoByDatagram` a sealed UDP copy first when the peer has a UDP port; false when the
    /// peer is not connected or too slow.
    @discardableResult
    public func send(_ message: NetMessage, to peer: NodeID, alsoByDatagram: Bool = false) -> Bool {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return false }
        return deliver(Outgoing(message), to: session, alsoByDatagram: alsoByDatagram)
    }

    /// `send` to each of `peers`, with one look-up of the sessions and one encoding of the
    /// message; with `markingSeen`, copies that peers echo back are dropped (`markSeen`).
    public func send(_ message: NetMessage, toEach peers: [NodeID], alsoByDatagram: Bool = false, markingSeen: Bool = false) {
        guard !peers.isEmpty || markingSeen else { return }
        let outgoing = Outgoing(message)
        if markingSeen { markSeen(outgoing) }
        let sessions = state.withLock { state in peers.compactMap { state.sessions[$0] } }
        for session in sessions { deliver(outgoing, to: session, alsoByDatagram: alsoByDatagram) }
    }

    /// Sends messages to one peer over TCP in order, stopping at the first that cannot be
    /// queued; false then, or when the peer is not connected.
    @discardableResult
    public func send(_ messages: [NetMessage], to peer: NodeID) -> Bool {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return false }
        for message in messages where !deliver(Outgoing(message), to: session, alsoByDatagram: false) { return false }
        return true
    }

    /// Sends a transaction this node admitted from a client to every peer, with the others
    /// admitted in the same turn of the calling thread's event loop: as one `transactions`
    /// message for them all (`TransactionBatch.messages(carrying:)`), a lone one as
    /// `transaction`. The `POST`s an event loop reads together, or one `POST /txs`, cost each
    /// peer one frame instead of one a transaction. Off an event loop (a `wait=final` request
    /// answered from a task), it goes at once, after any still waiting.
    public func broadcast(admitted transaction: Transaction) {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else {
            pendingTransactions.withLock { $0.append(transaction) }
            broadcastPendingTransactions()
            return
        }
        let first = pendingTransactions.withLock { pending in
            pending.append(transaction)
            return pending.count == 1
        }
        if first { loop.execute { self.broadcastPendingTransactions() } }
    }

    private func broadcastPendingTransactions() {
        let transactions = pendingTransactions.withLock { pending in
            defer { pending = [] }
            return pending
        }
        for message in TransactionBatch.messages(carrying: transactions) { broadcast(message) }
    }

    /// Sends a message the node admitted after delivery (a transaction its mempool took) to
    /// every peer but the one it came from; a transaction or batch only to the peers its
    /// `sentTo` list does not name, with a list that names them too.
    public func relay(_ message: NetMessage, from origin: NodeID) {
        var skipped: Set<NodeID> = [origin]
        if case .transaction(let gossip) = message { skipped.formUnion(gossip.sentTo) }
        if case .transactions(let batch) = message { skipped.formUnion(batch.sentTo) }
        let sessions = state.withLock { state in state.sessions.values.filter { !skipped.contains($0.nodeID) } }
        guard !sessions.isEmpty else { return }
        var relayed = message
        if case .transaction(let gossip) = message {
            relayed = .transaction(gossip.relayed(to: sessions.map(\.nodeID), from: origin))
        }
        if case .transactions(let batch) = message {
            relayed = .transactions(batch.relayed(to: sessions.map(\.nodeID), from: origin))
        }
        let outgoing = Outgoing(relayed)
        for session in sessions { deliver(outgoing, to: session, alsoByDatagram: false) }
    }

    /// `message` as sent to `sessions`: a transaction or batch names them in its `sentTo`
    /// list, so that none of them relays it to another.
    static func naming(_ sessions: [PeerSession], in message: NetMessage) -> NetMessage {
        let names = Array(sessions.lazy.map(\.nodeID).prefix(TransactionGossip.sentToMax))
        switch message {
        case .transaction(let gossip): return .transaction(TransactionGossip(gossip.transaction, sentTo: names))
        case .transactions(let batch): return .transactions(TransactionBatch(batch.transactions, sentTo: names))
        default: return message
        }
    }

    /// Counts a message as seen (a batch's transactions each), so a copy a peer echoes back is
    /// dropped before verification.
    func markSeen(_ outgoing: Outgoing) {
        let digests = outgoing.message.seenDigests(encoded: outgoing.encoded)
        state.withLock { state in
            for digest in digests { _ = state.seen.insert(digest) }
        }
    }

    /// Forgets that `message` was seen, so a later copy (a resend, a catch-up) is delivered
    /// again. The node calls this for messages it could not use yet, such as a block for a
    /// height it has not reached: without it, the duplicate filter would drop every copy.
    public func forget(_ message: NetMessage) {
        let digests = message.seenDigests(encoded: message.encoded)
        state.withLock { state in
            for digest in digests { state.seen.remove(digest) }
        }
    }

    /// A message encoded once for every session it goes to: as one frame's body, or, for a
    /// block too large for one frame, as its parts' (`BlockPart.split`).
    struct Outgoing {
        let message: NetMessage
        let encoded: [UInt8]
        let frames: [[UInt8]]

        init(_ message: NetMessage) {
            self.message = message
            encoded = message.encoded
            if case .block(let block) = message, encoded.count > NetLimits.messageBytesMax {
                frames = BlockPart.split(block).map { NetMessage.blockPart($0).encoded }
            } else {
                frames = [encoded]
            }
        }
    }

    /// Queues `outgoing` for a session, a sealed UDP copy first with `alsoByDatagram` (never for
    /// a block); false when a frame could not be queued.
    @discardableResult
    func deliver(_ outgoing: Outgoing, to session: PeerSession, alsoByDatagram: Bool) -> Bool {
        if alsoByDatagram, outgoing.message.kind != .block { sendDatagram(encoded: outgoing.encoded, to: session) }
        for frame in outgoing.frames where !session.send(encoded: frame) { return false }
        return true
    }

    /// Sends the decided block and commit at `height` to a peer that is behind or asked, unless
    /// no block provider is set or the peer is not draining what it has (`PeerSession.canServe`).
    public func serveCatchUp(height: Height, to peer: NodeID) {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return }
        serveCatchUp(height: height, to: session)
    }

    /// Whether a block provider is set: whether `serveCatchUp` can send anything.
    public var servesBlocks: Bool { state.withLock { $0.blockProvider != nil } }

    func serveCatchUp(height: Height, to session: PeerSession) {
        guard session.canServe, let provider = state.withLock({ $0.blockProvider }), let (block, commit) = provider(height) else { return }
        guard session.send(.commit(commit)) else { return }
        if deliver(Outgoing(.block(block)), to: session, alsoByDatagram: false) { metrics.catchUpBlocksServed.increment() }
    }

    // MARK: network -> node

    func received(_ received: ReceivedMessage, from session: PeerSession, transport: InboundMessage.Transport) {
        let message = received.message
        switch message {
        case .hello, .auth:
            session.close(.unexpectedMessage(message.kind.label))
        case .keepAlive:
            return  // its arrival already counted (`PeerSession.lastReceivedNanos`)
        case .peerState(let announced):
            state.withLock { $0.reactor }?.peerAnnounced(announced, from: session.nodeID)
        case .blockRequest(let height):
            if takeBlockRequestToken(session) { serveCatchUp(height: height, to: session) }
        case .powBlockRequest, .powHeadersRequest:
            // The node answers from its store. Not through the duplicate filter: two peers may
            // ask for the same block, and a peer may ask again.
            guard session.canServe, takeBlockRequestToken(session) else { return }
            _ = continuation.yield(InboundMessage(peer: session.nodeID, message: message, transport: transport))
        case .powHeaders:
            // An answer, never relayed; the same batch may rightly come twice (asked again
            // after a timeout), and the node drops batches it did not ask for.
            _ = continuation.yield(InboundMessage(peer: session.nodeID, message: message, transport: transport))
        case .blockPart(let part):
            let fresh = state.withLock { state in
                let fresh = !state.seen.contains(received.digest)
                if !fresh { state.duplicatesDropped += 1 }
                return fresh
            }
            guard fresh else {
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
        case .transactions(let batch):
            accept(batch, from: session, transport: transport)
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

    /// The path of one message: drop duplicates by digest, judge (`MessageVerdict`), deliver,
    /// then hand to the reactor, which keeps and relays what concerns consensus; transactions
    /// and evidence that were verified are relayed here. A forged vote is never handed on as
    /// verified, so it cannot stand in for the real one in the reactor's state.
    func accept(_ message: NetMessage, digest: Hash, from session: PeerSession, transport: InboundMessage.Transport) {
        if acceptance(of: message, digest: digest, from: session, transport: transport) == .relay {
            relay(message, from: session.nodeID)
        }
    }

    /// A batch's transactions, in order, each on the path of a `transaction` message of its
    /// own (`acceptance`): a key of its own in the duplicate filter, its own verdict. Those to
    /// relay go on together; the first invalid one closes the session and ends the batch.
    func accept(_ batch: TransactionBatch, from session: PeerSession, transport: InboundMessage.Transport) {
        var relayed: [Transaction] = []
        for transaction in batch.transactions {
            let message = NetMessage.transaction(TransactionGossip(transaction, sentTo: batch.sentTo))
            let outcome = acceptance(of: message, digest: NetMessage.seenDigest(of: transaction), from: session, transport: transport)
            if outcome == .relay { relayed.append(transaction) }
            if outcome == .refused { break }
        }
        for message in TransactionBatch.messages(carrying: relayed, sentTo: batch.sentTo) {
            relay(message, from: session.nodeID)
        }
    }

    /// What became of a message `acceptance` took.
    enum Acceptance: Equatable {
        /// Verified or admitted, and for this layer to relay (a transaction, evidence).
        case relay
        /// Dropped as a copy, ignored, delivered, or left to the reactor.
        case taken
        /// Invalid: the session is closed.
        case refused
    }

    /// Everything of `accept` but the relay, which it leaves to its caller.
    func acceptance(of message: NetMessage, digest: Hash, from session: PeerSession,
                    transport: InboundMessage.Transport) -> Acceptance {
        let (fresh, reactor) = state.withLock { state in
            let fresh = state.seen.insert(digest)
            if !fresh { state.duplicatesDropped += 1 }
            return (fresh, state.reactor)
        }
        guard fresh else {
            reactor?.receivedCopy(message, from: session.nodeID)
            metrics.duplicatesDropped.increment()
            return .taken
        }
        let verdict = verifier(message)
        switch verdict {
        case .verified, .unverified:
            break
        case .admitted:
            return .relay
        case .ignored:
            state.withLock { $0.seen.remove(digest) }
            metrics.ignored.increment()
            return .taken
        case .invalid(let what):
            state.withLock { $0.seen.remove(digest) }
            session.close(.invalidSignature(what))
            return .refused
        }
        let delivered: Bool
        switch continuation.yield(InboundMessage(peer: session.nodeID, message: message, transport: transport)) {
        case .enqueued:
            delivered = true
        case .dropped:
            // The node is behind: forget the digest so the copy gossip resends is taken.
            state.withLock {
                $0.seen.remove(digest)
                $0.deliveryDropped += 1
            }
            metrics.deliveryDropped.increment()
            delivered = false
        case .terminated:
            return .taken
        @unknown default:
            return .taken
        }
        reactor?.received(message, verdict: verdict, delivered: delivered, from: session.nodeID)
        guard delivered, verdict == .verified else { return .taken }
        switch message {
        case .evidence, .transaction: return .relay
        default: return .taken
        }
    }

    // MARK: the gossip timer

    /// Closes sessions silent for `peerSilenceTimeoutMillis`, sends a `keepAlive` about once a
    /// second to each session that was sent nothing since the last one, then lets the reactor gossip.
    func gossipTick() {
        let now = NIODeadline.now().uptimeNanoseconds
        let silenceNanos = UInt64(max(0, config.peerSilenceTimeoutMillis)) * 1_000_000
        let (sessions, reactor, ticks) = state.withLock { state in
            state.ticks &+= 1
            return (Array(state.sessions.values), state.reactor, state.ticks)
        }
        let keepAliveDue = ticks % UInt64(max(1, 1_000 / max(1, config.gossipIntervalMillis))) == 0
        var live: [NodeID] = []
        for session in sessions {
            // A message may land after `now` was read; that session is anything but silent.
            let lastReceived = session.lastReceivedNanos.load(ordering: .relaxed)
            if lastReceived < now, now - lastReceived > silenceNanos {
                session.close(.silent(millis: config.peerSilenceTimeoutMillis))
                continue
            }
            if keepAliveDue, !session.sentSinceKeepAliveCheck.exchange(false, ordering: .relaxed) {
                session.send(.keepAlive)
            }
            live.append(session.nodeID)
        }
        reactor?.tick(peers: live)
    }
}
