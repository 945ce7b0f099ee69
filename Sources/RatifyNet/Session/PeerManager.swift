import Logging
import NIOCore
import NIOPosix
import RatifyCore
import Synchronization

/// Judges a message before it is relayed, kept in gossip state or delivered (`MessageVerdict`).
/// Runs on the network threads for every new message, so it must be cheap and thread-safe.
/// The node supplies one that knows the validator sets around its height.
public typealias MessageVerifier = @Sendable (NetMessage) -> MessageVerdict

/// Returns the decided block and its commit at a height, for peers that are behind.
public typealias BlockProvider = @Sendable (Height) -> (block: Block, commit: Commit)?

/// The peer network of one node: listens and dials, runs handshakes, keeps one session per
/// node id within the peer limits, gossips, and delivers what its verifier lets through on
/// `inbound`; only what the verifier verified is kept, counted as a peer's or relayed.
///
/// Threading: all state sits behind one mutex (`state`); channel operations are never made
/// while holding it, because a close can call back into the manager on the same thread.
/// Lock order: manager state, then a session's own locks, never the reverse.
public final class PeerManager: Sendable {
    public let config: NetConfig
    public let nodeID: NodeID
    /// De-duplicated messages the verifier let through, at most `deliveryBufferMax` waiting.
    public let inbound: AsyncStream<InboundMessage>

    let continuation: AsyncStream<InboundMessage>.Continuation
    let group: any EventLoopGroup
    let timerLoop: any EventLoop
    let logger: Logger
    let log: RateLimitedLog
    let metrics = NetMetrics()
    let verifier: MessageVerifier
    let state: Mutex<State>

    struct DialState: Sendable {
        enum Phase: Sendable { case idle, dialing, waiting, connected }
        var address: PeerAddress
        var backoff: Backoff
        var phase: Phase = .idle
        var task: Scheduled<Void>?
    }

    struct State: Sendable {
        var running = false
        var stopping = false
        var serverChannel: (any Channel)?
        var udpChannel: (any Channel)?
        var udpPort: UInt16 = 0
        var timer: RepeatedTask?
        var channels: [ObjectIdentifier: any Channel] = [:]
        var sessions: [NodeID: PeerSession] = [:]
        var inboundSessions = 0
        var pendingInbound = 0
        var dial: [NodeID: DialState] = [:]
        var penalties: [NodeID: UInt64] = [:]
        var udpByTag: [UInt64: PeerSession] = [:]
        var local = PeerState(height: 0, round: 0, step: .newHeight)
        /// What `updateLocalState` last sent to every peer: the node calls it after each message
        /// it handles, and an unchanged announcement is not sent again (the gossip tick repeats
        /// it anyway).
        var lastAnnounced: PeerState?
        var votes: VoteStore
        var proposal: Proposal?
        var proposalBlock: Block?
        var seen: SeenSet
        var blockProvider: BlockProvider?
        var ticks: UInt64 = 0
        var handshakeFailures: [String: Int] = [:]
        var disconnects: [String: Int] = [:]
        var udpRejected: [String: Int] = [:]
        var deliveryDropped = 0
        /// Block ids of the last proposals that passed the verifier: a received block is relayed
        /// only when a signed proposal names it, so junk blocks are not amplified.
        var proposedBlockIDs: [BlockID] = []
    }

    public init(config: NetConfig, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "ratify.p2p"), verifier: @escaping MessageVerifier = PeerManager.selfContainedVerifier) {
        precondition(config.maxPeers > 0 && config.maxInboundPeers >= 0 && config.deliveryBufferMax > 0)
        self.config = config
        self.nodeID = config.nodeID
        self.group = group
        self.timerLoop = group.next()
        var logger = logger
        logger[metadataKey: "node"] = "\(config.nodeID.hex.prefix(12))"
        self.logger = logger
        self.log = RateLimitedLog(logger: logger, intervalMillis: config.logIntervalMillis)
        self.verifier = verifier
        (inbound, continuation) = AsyncStream.makeStream(of: InboundMessage.self,
                                                          bufferingPolicy: .bufferingOldest(config.deliveryBufferMax))
        var initial = State(votes: VoteStore(capacity: config.voteStoreMax), seen: SeenSet(capacity: config.seenSetMax))
        for (index, peer) in config.persistentPeers.enumerated() where peer.nodeID != config.nodeID {
            let seed = config.jitterSeed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
            initial.dial[peer.nodeID] = DialState(address: peer, backoff: Backoff(
                baseMillis: config.dialBackoffBaseMillis, maxMillis: config.dialBackoffMaxMillis, seed: seed))
        }
        self.state = Mutex(initial)
    }

    /// Checks what can be checked without the validator set: transaction signatures. Anything
    /// else counts as verified, which only a test network of trusted peers may assume.
    public static let selfContainedVerifier: MessageVerifier = { message in
        if case .transaction(let transaction) = message, !transaction.verifySignature() { return .invalid("transaction") }
        return .verified
    }

    // MARK: lifecycle

    /// Binds TCP (and UDP when configured), then starts dialing persistent peers and gossiping.
    public func start() async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
            .bind(host: config.listenHost, port: config.listenPort).get()
        var udp: (any Channel)?
        if let udpPort = config.udpListenPort {
            do {
                udp = try await bindUDP(host: config.udpListenHost ?? config.listenHost, port: udpPort)
            } catch {
                try? await server.close()
                throw error
            }
        }
        let timer = timerLoop.scheduleRepeatedTask(initialDelay: .milliseconds(config.gossipIntervalMillis),
                                                   delay: .milliseconds(config.gossipIntervalMillis)) { [self] _ in
            self.gossipTick()
        }
        let peers = state.withLock { state -> [NodeID] in
            state.running = true
            state.serverChannel = server
            state.udpChannel = udp
            state.udpPort = UInt16(udp?.localAddress?.port ?? 0)
            state.timer = timer
            return Array(state.dial.keys)
        }
        logger.info("p2p listening", metadata: ["tcp": "\(server.localAddress.map { "\($0)" } ?? "?")",
                                                "udp": "\(udp?.localAddress.map { "\($0)" } ?? "off")"])
        for peer in peers { dial(peer) }
    }

    /// Closes every session and socket and ends `inbound`. Idempotent.
    public func shutdown() async {
        let (channels, server, udp, timer, tasks) = state.withLock { state in
            state.stopping = true
            state.running = false
            let tasks = state.dial.values.compactMap(\.task)
            for key in state.dial.keys { state.dial[key]?.task = nil }
            defer { state.serverChannel = nil; state.udpChannel = nil; state.timer = nil }
            return (Array(state.channels.values), state.serverChannel, state.udpChannel, state.timer, tasks)
        }
        timer?.cancel()
        for task in tasks { task.cancel() }
        for session in state.withLock({ Array($0.sessions.values) }) { session.close(.shutdown) }
        try? await server?.close()
        try? await udp?.close()
        for channel in channels { try? await channel.close() }
        continuation.finish()
    }

    /// The TCP port actually bound (useful with port 0).
    public var listeningPort: Int? { state.withLock { $0.serverChannel?.localAddress?.port } }

    /// The UDP port actually bound, nil when UDP is off.
    public var udpListeningPort: Int? { state.withLock { $0.udpChannel?.localAddress?.port } }

    public var connectedPeers: [NodeID] { state.withLock { Array($0.sessions.keys) } }

    public func setBlockProvider(_ provider: BlockProvider?) {
        state.withLock { $0.blockProvider = provider }
    }

    /// Disconnects a peer, e.g. because the node found one of its messages invalid after delivery.
    /// With `misbehaving`, the peer is backed off like one that sent a bad frame.
    public func disconnect(_ peer: NodeID, reason: String, misbehaving: Bool = false) {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return }
        session.close(misbehaving ? .invalidSignature(reason) : .requested(reason))
    }

    // MARK: accepting and dialing

    func accept(_ channel: any Channel) throws {
        let admitted = state.withLock { state -> Bool in
            guard state.running, !state.stopping, state.pendingInbound < config.maxPendingHandshakes,
                  state.inboundSessions < config.maxInboundPeers, state.sessions.count < config.maxPeers else { return false }
            state.pendingInbound += 1
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
        guard admitted else {
            state.withLock { $0.handshakeFailures["refused", default: 0] += 1 }
            metrics.handshakeFailure("refused")
            log.warning("accept-refused", "refusing inbound connection: peer or handshake limit reached",
                        metadata: ["remote": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        try installHandshake(channel, role: .acceptor, expected: nil)
    }

    func dial(_ peer: NodeID) {
        let address = state.withLock { state -> PeerAddress? in
            guard state.running, !state.stopping, var entry = state.dial[peer], state.sessions[peer] == nil,
                  entry.phase != .dialing else { return nil }
            entry.phase = .dialing
            entry.task = nil
            state.dial[peer] = entry
            return entry.address
        }
        guard let address else { return }
        ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(config.handshakeTimeoutMillis))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.installHandshake(channel, role: .dialer, expected: peer) }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    let tracked = state.withLock { state -> Bool in
                        guard !state.stopping else { return false }
                        state.channels[ObjectIdentifier(channel)] = channel
                        return true
                    }
                    if !tracked { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { [self] _ in
                        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
                        self.outboundEnded(peer)
                    }
                case .failure(let error):
                    log.warning("dial-\(peer.hex)", "could not connect to peer",
                                metadata: ["peer": "\(address)", "error": "\(error)"])
                    self.outboundEnded(peer)
                }
            }
    }

    /// Our outbound connection to a persistent peer ended (or never connected).
    func outboundEnded(_ peer: NodeID) {
        state.withLock { state in
            guard var entry = state.dial[peer], entry.phase == .dialing else { return }
            if state.sessions[peer] != nil {
                entry.phase = .connected
                state.dial[peer] = entry
            } else {
                entry.phase = .idle
                state.dial[peer] = entry
                scheduleRedial(peer, &state)
            }
        }
    }

    /// Schedules the next dial of a persistent peer after its backoff (and any penalty). Caller holds the lock.
    func scheduleRedial(_ peer: NodeID, _ state: inout State) {
        guard state.running, !state.stopping, var entry = state.dial[peer], entry.phase != .waiting,
              entry.phase != .dialing else { return }
        var delay = entry.backoff.nextDelayMillis()
        if let until = state.penalties[peer] {
            let now = NIODeadline.now().uptimeNanoseconds
            if until > now { delay = max(delay, Int64((until - now) / 1_000_000) + 1) }
        }
        entry.phase = .waiting
        entry.task = timerLoop.scheduleTask(in: .milliseconds(delay)) { [self] in
            self.state.withLock { state in
                if state.dial[peer]?.phase == .waiting { state.dial[peer]?.phase = .idle }
            }
            self.dial(peer)
        }
        state.dial[peer] = entry
    }

    func installHandshake(_ channel: any Channel, role: Handshake.Role, expected: NodeID?) throws {
        let limit = FrameSizeLimit(bytes: NetLimits.handshakeFrameBytesMax)
        let udpPort = state.withLock { $0.udpPort }
        let handshake = Handshake(role: role, chainID: config.chainID, nodeKey: config.nodeKey, udpPort: udpPort,
                                  expectedPeer: expected)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ByteToMessageHandler(FrameDecoder(limit: limit),
                                                 maximumBufferSize: NetLimits.frameBytesMax + 64 * 1024))
        try sync.addHandler(MessageToByteHandler(FrameEncoder()))
        try sync.addHandler(InboundRateLimitHandler(framesPerSecond: config.inboundFramesPerSecond,
                                                    bytesPerSecond: config.inboundBytesPerSecond))
        try sync.addHandler(HandshakeHandler(
            handshake: handshake, timeoutMillis: config.handshakeTimeoutMillis, frameLimit: limit,
            nonceLimit: config.nonceLimit,
            onEstablished: { [self] context, result, sender, receiver in
                self.established(context.channel, result, sender: sender, receiver: receiver)
            },
            onFailed: { [self] channel, error in
                self.handshakeFailed(channel, error, role: role, expected: expected)
            }))
    }

    func handshakeFailed(_ channel: any Channel, _ error: HandshakeError, role: Handshake.Role, expected: NodeID?) {
        let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
        state.withLock { state in
            if role == .acceptor { state.pendingInbound -= 1 }
            state.handshakeFailures[error.reason, default: 0] += 1
            if let expected, PeerError.handshake(error).isMisbehaviour { penalize(expected, &state) }
        }
        metrics.handshakeFailure(error.reason)
        log.warning("handshake-\(expected?.hex ?? remote)", "\(error)",
                    metadata: ["remote": "\(remote)", "role": "\(role.label)"])
    }

    func penalize(_ peer: NodeID, _ state: inout State) {
        let now = NIODeadline.now().uptimeNanoseconds
        if state.penalties.count >= 4_096 { state.penalties = state.penalties.filter { $0.value > now } }
        guard state.penalties.count < 4_096 else { return }
        state.penalties[peer] = now + UInt64(max(0, config.misbehaviourBackoffMillis)) * 1_000_000
    }

    // MARK: sessions

    func established(_ channel: any Channel, _ result: Handshake.Result, sender: FrameCipher, receiver: FrameCipher) {
        let session = PeerSession(nodeID: result.peerNodeID, role: result.role, channel: channel, keys: result.keys,
                                  peerUDPPort: result.peerUDPPort, sendQueueMessagesMax: config.sendQueueMessagesMax,
                                  blockRequestsPerSecond: config.blockRequestsPerSecond, blockRequestsBurst: config.blockRequestsBurst)
        let localID = nodeID
        enum Decision { case accept(replacing: PeerSession?), reject(PeerError) }
        let decision = state.withLock { state -> Decision in
            if result.role == .acceptor { state.pendingInbound -= 1 }
            guard state.running, !state.stopping else { return .reject(.shutdown) }
            let peer = result.peerNodeID
            if let until = state.penalties[peer], until > NIODeadline.now().uptimeNanoseconds {
                return .reject(.requested("peer is backed off after misbehaving"))
            }
            var replacing: PeerSession?
            if let existing = state.sessions[peer] {
                // Keep the connection opened by the lower node id; between two from the same
                // dialer keep the newer (the older one is from before a restart). Both ends
                // apply the same rule, so both close the same connection.
                let preferred = min(localID, peer)
                let keepNew = existing.dialer(localID: localID) == session.dialer(localID: localID)
                    || session.dialer(localID: localID) == preferred
                guard keepNew else { return .reject(.duplicate) }
                replacing = existing
                if existing.role == .acceptor { state.inboundSessions -= 1 }
                state.udpByTag[existing.keys.udpReceiveTag] = nil
            } else {
                guard state.sessions.count < config.maxPeers else { return .reject(.peerLimit("max_peers")) }
                if result.role == .acceptor, state.inboundSessions >= config.maxInboundPeers {
                    return .reject(.peerLimit("max_inbound_peers"))
                }
            }
            state.sessions[peer] = session
            if result.role == .acceptor { state.inboundSessions += 1 }
            state.udpByTag[result.keys.udpReceiveTag] = session
            if var entry = state.dial[peer] {
                entry.backoff.reset()
                if entry.phase != .dialing { entry.phase = .connected }
                state.dial[peer] = entry
            }
            return .accept(replacing: replacing)
        }
        switch decision {
        case .reject(let reason):
            state.withLock { $0.disconnects[reason.reason, default: 0] += 1 }
            metrics.disconnect(reason.reason)
            if reason != .duplicate {
                log.warning("reject-\(result.peerNodeID.hex)", "closing new session: \(reason)",
                            metadata: ["peer": "\(result.peerNodeID)"])
            }
            channel.close(promise: nil)
        case .accept(let replacing):
            do {
                try channel.pipeline.syncOperations.addHandlers([
                    FrameCipherHandler(sender: sender, receiver: receiver),
                    MessageCodecHandler(chainID: config.chainID, metrics: metrics),
                    PeerSessionHandler(session: session, manager: self),
                ])
            } catch {
                session.close(.malformed("could not install session handlers: \(error)"))
                return
            }
            replacing?.close(.duplicate)
            let count = state.withLock { $0.sessions.count }
            metrics.peers.record(count)
            logger.info("peer connected", metadata: [
                "peer": "\(result.peerNodeID)", "direction": "\(result.role == .dialer ? "outbound" : "inbound")",
                "remote": "\(channel.remoteAddress.map { "\($0)" } ?? "?")", "peers": "\(count)",
            ])
            session.send(.peerState(localAnnouncement()))
        }
    }

    func sessionClosed(_ session: PeerSession) {
        let reason = session.closeReason
        let (removed, count) = state.withLock { state -> (Bool, Int) in
            guard state.sessions[session.nodeID] === session else { return (false, state.sessions.count) }
            state.sessions[session.nodeID] = nil
            if session.role == .acceptor { state.inboundSessions -= 1 }
            if state.udpByTag[session.keys.udpReceiveTag] === session { state.udpByTag[session.keys.udpReceiveTag] = nil }
            if reason.isMisbehaviour { penalize(session.nodeID, &state) }
            state.disconnects[reason.reason, default: 0] += 1
            if state.dial[session.nodeID]?.phase == .connected {
                state.dial[session.nodeID]?.phase = .idle
                scheduleRedial(session.nodeID, &state)
            }
            return (true, state.sessions.count)
        }
        if !removed {
            if reason == .duplicate { state.withLock { $0.disconnects[reason.reason, default: 0] += 1 } }
            metrics.disconnect(reason.reason)
            return
        }
        metrics.disconnect(reason.reason)
        metrics.peers.record(count)
        switch reason {
        case .shutdown, .closedByPeer, .duplicate:
            logger.info("peer disconnected", metadata: ["peer": "\(session.nodeID)", "reason": "\(reason)"])
        default:
            log.warning("disconnect-\(session.nodeID.hex)", "disconnected peer: \(reason)",
                        metadata: ["peer": "\(session.nodeID)", "reason": "\(reason.reason)"])
        }
    }
}
