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
/// node id within the peer limits, drops duplicates, and delivers what its verifier lets through
/// on `inbound`; only what the verifier verified is relayed or handed to the reactor as verified.
/// What peers hold of consensus and what to resend to them is the reactor's (`PeerReactor`).
///
/// Threading: all state sits behind one mutex (`state`), but for the transactions waiting to be
/// broadcast together (`pendingTransactions`); channel operations are never made
/// while holding it, because a close can call back into the manager on the same thread.
/// Lock order: manager state, then a session's own locks, never the reverse. The reactor is called
/// with no lock held.
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
    /// Transactions admitted from clients in this turn of an event loop, waiting to go to every
    /// peer together (`broadcast(admitted:)`). A lock of its own, never held with `state`.
    let pendingTransactions = Mutex<[Transaction]>([])
    /// Persistent and unconditional peers: admitted beyond the peer limits and address bans.
    let reservedPeers: Set<NodeID>
    /// Hosts of persistent peers as configured: connections from them are not refused at accept
    /// for a banned address (the node key, learnt in the handshake, decides).
    let reservedHosts: Set<String>
    /// Bytes queued towards all peers (`sendQueueBytesTotalMax`).
    let sendBudget: SendBudget
    /// Bytes held by block-part reassembly over all sessions (`assemblyBytesTotalMax`).
    let assemblyBytes = Atomic<Int>(0)
    /// Datagrams accepted per second on the UDP socket (`udpDatagramsPerSecond`).
    let udpInbound: Mutex<TokenBucket>

    struct DialState: Sendable {
        enum Phase: Sendable { case idle, dialing, waiting, connected }
        var address: PeerAddress
        var backoff: Backoff
        var phase: Phase = .idle
        var task: Scheduled<Void>?
    }

    /// An inbound connection in its handshake.
    struct PendingHandshake: Sendable {
        let channel: any Channel
        let ip: String
        let acceptedNanos: UInt64
        /// Whether its hello arrived; until then it is a silent socket, the first to be closed
        /// when the pending limits are reached.
        var spoke = false
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
        var pending: [ObjectIdentifier: PendingHandshake] = [:]
        var dial: [NodeID: DialState] = [:]
        var penalties: [NodeID: UInt64] = [:]
        /// Banned IP addresses (until, in `NIODeadline` nanoseconds): a misbehaving peer's address
        /// is backed off with its node key, so a fresh key from the same host gets nowhere.
        var addressPenalties: [String: UInt64] = [:]
        /// The address each reserved peer last connected from, exempt from address bans at accept.
        var reservedAddresses: [NodeID: String] = [:]
        var udpByTag: [UInt64: PeerSession] = [:]
        var seen: SeenSet
        var blockProvider: BlockProvider?
        var reactor: (any PeerReactor)?
        var ticks: UInt64 = 0
        var handshakeFailures: [String: Int] = [:]
        var disconnects: [String: Int] = [:]
        var udpRejected: [String: Int] = [:]
        var deliveryDropped = 0
        var duplicatesDropped = 0
    }

    public init(config: NetConfig, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "ratify.p2p"), verifier: @escaping MessageVerifier = PeerManager.selfContainedVerifier) {
        precondition(config.maxPeers > 0 && config.maxInboundPeers >= 0 && config.deliveryBufferMax > 0)
        self.config = config
        self.reservedPeers = config.reservedPeers
        self.reservedHosts = Set(config.persistentPeers.map(\.endpoint.host))
        self.sendBudget = SendBudget(bytesMax: config.sendQueueBytesTotalMax,
                                     sessionsMax: config.maxPeers + config.reservedPeers.count)
        self.udpInbound = Mutex(TokenBucket(ratePerSecond: config.udpDatagramsPerSecond, burst: config.udpDatagramsPerSecond,
                                            nowNanos: NIODeadline.now().uptimeNanoseconds))
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
        var initial = State(seen: SeenSet(capacity: config.seenSetMax))
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
        if case .transaction(let gossip) = message, !gossip.transaction.verifySignature() { return .invalid("transaction") }
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
        // The reactor holds this manager: letting go of it ends the cycle.
        state.withLock { $0.reactor = nil }
    }

    /// The TCP port actually bound (useful with port 0).
    public var listeningPort: Int? { state.withLock { $0.serverChannel?.localAddress?.port } }

    /// The UDP port actually bound, nil when UDP is off.
    public var udpListeningPort: Int? { state.withLock { $0.udpChannel?.localAddress?.port } }

    public var connectedPeers: [NodeID] { state.withLock { Array($0.sessions.keys) } }

    public func setBlockProvider(_ provider: BlockProvider?) {
        state.withLock { $0.blockProvider = provider }
    }

    /// Runs `task` once after `delay` on the network's timer event loop (for a reactor's own
    /// timers); never while holding the manager's lock.
    public func schedule(in delay: TimeAmount, _ task: @escaping @Sendable () -> Void) {
        timerLoop.scheduleTask(in: delay, task)
    }

    /// Attaches the reactor that gossips on this network (one; a later call replaces it). Attach
    /// before `start`, so that it hears of every session.
    public func attach(_ reactor: any PeerReactor) {
        state.withLock { $0.reactor = reactor }
    }

    /// Disconnects a peer, e.g. because the node found one of its messages invalid after delivery.
    /// With `misbehaving`, the peer is backed off like one that sent a bad frame.
    public func disconnect(_ peer: NodeID, reason: String, misbehaving: Bool = false) {
        guard let session = state.withLock({ $0.sessions[peer] }) else { return }
        session.close(misbehaving ? .invalidSignature(reason) : .requested(reason))
    }

    // MARK: accepting and dialing

    /// Admits an inbound connection to its handshake within `maxPendingHandshakes` and
    /// `maxPendingHandshakesPerIP`, closing the oldest silent one of the same address (or of
    /// any, for the total) to make room; refuses banned addresses. Peer limits are checked once
    /// the handshake names the peer, since reserved peers go beyond them.
    func accept(_ channel: any Channel) throws {
        let ip = channel.remoteAddress?.ipAddress ?? "unknown"
        let now = NIODeadline.now().uptimeNanoseconds
        enum Admission { case admitted(evicted: (any Channel)?), refused(String, reason: String) }
        let admission = state.withLock { state -> Admission in
            guard state.running, !state.stopping else { return .refused("node shutting down", reason: "refused") }
            if let until = state.addressPenalties[ip], until > now, !reservedHosts.contains(ip),
               !state.reservedAddresses.values.contains(ip) {
                return .refused("address is backed off after misbehaving", reason: "banned")
            }
            func oldestSilent(_ candidates: [PendingHandshake]) -> PendingHandshake? {
                candidates.filter { !$0.spoke }.min { $0.acceptedNanos < $1.acceptedNanos }
            }
            var evicted: PendingHandshake?
            let fromIP = state.pending.values.filter { $0.ip == ip }
            if fromIP.count >= config.maxPendingHandshakesPerIP {
                guard let oldest = oldestSilent(fromIP) else {
                    return .refused("pending handshake limit per address reached", reason: "refused")
                }
                evicted = oldest
            } else if state.pending.count >= config.maxPendingHandshakes {
                guard let oldest = oldestSilent(Array(state.pending.values)) else {
                    return .refused("pending handshake limit reached", reason: "refused")
                }
                evicted = oldest
            }
            if let evicted {
                // Closed right below; like a refused connection it no longer counts as open.
                state.pending[ObjectIdentifier(evicted.channel)] = nil
                state.channels[ObjectIdentifier(evicted.channel)] = nil
                state.handshakeFailures[HandshakeError.evicted.reason, default: 0] += 1
            }
            state.pending[ObjectIdentifier(channel)] = PendingHandshake(channel: channel, ip: ip, acceptedNanos: now)
            state.channels[ObjectIdentifier(channel)] = channel
            return .admitted(evicted: evicted?.channel)
        }
        switch admission {
        case .refused(let why, let reason):
            state.withLock { $0.handshakeFailures[reason, default: 0] += 1 }
            metrics.handshakeFailure(reason)
            log.warning("accept-\(reason)-\(ip)", "refusing inbound connection: \(why)", metadata: ["remote": "\(ip)"])
            channel.close(promise: nil)
            return
        case .admitted(let evicted):
            if let evicted {
                metrics.handshakeFailure(HandshakeError.evicted.reason)
                let evictedIP = evicted.remoteAddress?.ipAddress ?? "unknown"
                log.warning("handshake-evicted-\(evictedIP)", "\(HandshakeError.evicted)", metadata: ["remote": "\(evictedIP)"])
                evicted.close(promise: nil)
            }
        }
        channel.closeFuture.whenComplete { [self] _ in
            // The handshake reports its own end; this covers a pipeline that never got one.
            state.withLock { state in
                state.channels[ObjectIdentifier(channel)] = nil
                state.pending[ObjectIdentifier(channel)] = nil
            }
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
            .connect(host: address.endpoint.host, port: Int(address.endpoint.port))
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
        try sync.addHandler(OutboundRateLimitHandler(bytesPerSecond: config.sendBytesPerSecond))
        try sync.addHandler(HandshakeHandler(
            handshake: handshake, timeoutMillis: config.handshakeTimeoutMillis, helloTimeoutMillis: config.helloTimeoutMillis,
            frameLimit: limit, nonceLimit: config.nonceLimit,
            onHello: { [self] channel in
                guard role == .acceptor else { return }
                state.withLock { $0.pending[ObjectIdentifier(channel)]?.spoke = true }
            },
            onEstablished: { [self] context, result, sender, receiver in
                self.established(context.channel, result, sender: sender, receiver: receiver)
            },
            onFailed: { [self] channel, error in
                self.handshakeFailed(channel, error, role: role, expected: expected)
            }))
    }

    func handshakeFailed(_ channel: any Channel, _ error: HandshakeError, role: Handshake.Role, expected: NodeID?) {
        let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
        let ip = channel.remoteAddress?.ipAddress
        let counted = state.withLock { state -> Bool in
            // An evicted connection was counted when it was closed.
            if role == .acceptor, state.pending.removeValue(forKey: ObjectIdentifier(channel)) == nil { return false }
            state.handshakeFailures[error.reason, default: 0] += 1
            if PeerError.handshake(error).isMisbehaviour {
                // An acceptor does not know who failed (the key is not proven), only from where.
                penalize(expected, address: role == .acceptor ? ip : nil, &state)
            }
            return true
        }
        guard counted else { return }
        metrics.handshakeFailure(error.reason)
        log.warning("handshake-\(error.reason)-\(expected?.hex ?? ip ?? remote)", "\(error)",
                    metadata: ["remote": "\(remote)", "role": "\(role.label)"])
    }

    /// Backs off a node id and an address for `misbehaviourBackoffMillis`. Reserved peers' addresses
    /// are not banned: they may be shared with other reserved peers (a localnet on one host).
    func penalize(_ peer: NodeID?, address: String?, _ state: inout State) {
        let now = NIODeadline.now().uptimeNanoseconds
        let until = now &+ UInt64(max(0, config.misbehaviourBackoffMillis)) &* 1_000_000
        if let peer {
            if state.penalties.count >= Self.penaltiesMax { state.penalties = state.penalties.filter { $0.value > now } }
            if state.penalties.count < Self.penaltiesMax { state.penalties[peer] = until }
        }
        if let address, peer.map({ !reservedPeers.contains($0) }) ?? true {
            if state.addressPenalties.count >= Self.penaltiesMax {
                state.addressPenalties = state.addressPenalties.filter { $0.value > now }
            }
            if state.addressPenalties.count < Self.penaltiesMax { state.addressPenalties[address] = until }
        }
    }

    /// Node ids and addresses remembered as backed off, each.
    static let penaltiesMax = 4_096

    // MARK: sessions

    func established(_ channel: any Channel, _ result: Handshake.Result, sender: FrameCipher, receiver: FrameCipher) {
        let session = PeerSession(nodeID: result.peerNodeID, role: result.role, channel: channel, keys: result.keys,
                                  peerUDPPort: result.peerUDPPort, limits: PeerSession.Limits(config), budget: sendBudget)
        let localID = nodeID
        let ip = session.remoteIP
        enum Decision { case accept(replacing: PeerSession?), reject(PeerError) }
        let decision = state.withLock { state -> Decision in
            if result.role == .acceptor { state.pending[ObjectIdentifier(channel)] = nil }
            guard state.running, !state.stopping else { return .reject(.shutdown) }
            let peer = result.peerNodeID
            let reserved = reservedPeers.contains(peer)
            let now = NIODeadline.now().uptimeNanoseconds
            if let until = state.penalties[peer], until > now { return .reject(.banned("node id \(peer)")) }
            if config.allowlistOnly, !reserved, !config.allowedPeers.contains(peer) { return .reject(.notAllowed) }
            if !reserved, let ip, let until = state.addressPenalties[ip], until > now { return .reject(.banned("address \(ip)")) }
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
            } else if !reserved {
                guard state.sessions.count < config.maxPeers else { return .reject(.peerLimit("max_peers")) }
                if result.role == .acceptor {
                    guard state.inboundSessions < config.maxInboundPeers else { return .reject(.peerLimit("max_inbound_peers")) }
                    let fromIP = state.sessions.values.count { other in
                        other.role == .acceptor && other.remoteIP == ip && !reservedPeers.contains(other.nodeID)
                    }
                    guard fromIP < config.maxInboundPeersPerIP else { return .reject(.peerLimit("max_inbound_peers_per_ip")) }
                }
            }
            if reserved, let ip { state.reservedAddresses[peer] = ip }
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
                // Keyed by address: throwaway keys from one host share one log line per interval.
                log.warning("reject-\(reason.reason)-\(ip ?? result.peerNodeID.hex)", "closing new session: \(reason)",
                            metadata: ["peer": "\(result.peerNodeID)", "remote": "\(ip ?? "?")"])
            }
            channel.close(promise: nil)
        case .accept(let replacing):
            do {
                try channel.pipeline.syncOperations.addHandlers([
                    FrameCipherHandler(sender: sender, receiver: receiver),
                    MessageCodecHandler(chainID: config.chainID, metrics: metrics, session: session),
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
            state.withLock { $0.reactor }?.peerConnected(result.peerNodeID)
        }
    }

    func sessionClosed(_ session: PeerSession) {
        let reason = session.closeReason
        assemblyBytes.wrappingSubtract(session.dropAssembly(), ordering: .relaxed)
        let (removed, count) = state.withLock { state -> (Bool, Int) in
            guard state.sessions[session.nodeID] === session else { return (false, state.sessions.count) }
            state.sessions[session.nodeID] = nil
            if session.role == .acceptor { state.inboundSessions -= 1 }
            if state.udpByTag[session.keys.udpReceiveTag] === session { state.udpByTag[session.keys.udpReceiveTag] = nil }
            if reason.isMisbehaviour { penalize(session.nodeID, address: session.remoteIP, &state) }
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
        state.withLock { $0.reactor }?.peerDisconnected(session.nodeID)
        switch reason {
        case .shutdown, .closedByPeer, .duplicate:
            logger.info("peer disconnected", metadata: ["peer": "\(session.nodeID)", "reason": "\(reason)"])
        default:
            log.warning("disconnect-\(session.nodeID.hex)", "disconnected peer: \(reason)",
                        metadata: ["peer": "\(session.nodeID)", "reason": "\(reason.reason)"])
        }
    }
}
