import NIOCore
import RatifyCore
import Synchronization

/// One authenticated session with one peer: its channel, its block
/// reassembly and its UDP keys. Safe to use from any thread; sending never blocks and never
/// queues more than `sendQueueBytesMax` bytes for the peer, nor more than the peer's part of the
/// manager's `SendBudget`: past that the peer is disconnected as too slow.
final class PeerSession: Sendable {
    /// Charged per queued message on top of its frame bytes: the outbox slot and NIO's pending
    /// write, so that a flood of tiny messages is bounded in memory too.
    static let messageOverheadBytes = 64

    let nodeID: NodeID
    let role: Handshake.Role
    let channel: any Channel
    let remoteAddress: SocketAddress?
    let keys: SessionKeys
    let udpRemoteAddress: SocketAddress?
    let limits: Limits
    let budget: SendBudget

    struct Limits: Sendable {
        var sendQueueBytesMax: Int
        var serveQueueBytesMax: Int
        var assemblyBytesMax: Int
        var blockRequestsPerSecond: Double
        var blockRequestsBurst: Double
        var inboundFramesPerSecond: Double
        var inboundBytesPerSecond: Double

        init(_ config: NetConfig) {
            sendQueueBytesMax = config.sendQueueBytesMax
            serveQueueBytesMax = config.serveQueueBytesMax
            assemblyBytesMax = config.assemblyBytesMax
            blockRequestsPerSecond = config.blockRequestsPerSecond
            blockRequestsBurst = config.blockRequestsBurst
            inboundFramesPerSecond = config.inboundFramesPerSecond
            inboundBytesPerSecond = config.inboundBytesPerSecond
        }
    }

    let assembler: Mutex<BlockAssembler>
    let udpReplay = Mutex(ReplayWindow())
    let udpSendCounter = Atomic<UInt64>(0)
    /// Datagrams of this session are limited like its TCP frames (`inboundFramesPerSecond`,
    /// `inboundBytesPerSecond`); beyond that they are dropped before they are opened.
    let udpInbound: Mutex<(frames: TokenBucket, bytes: TokenBucket)>
    /// When the last message arrived over TCP (`NIODeadline` nanoseconds); see
    /// `NetConfig.peerSilenceTimeoutMillis`.
    let lastReceivedNanos: Atomic<UInt64>
    /// When the session was established (`NIODeadline` nanoseconds), for its age in `PeerInfo`.
    let startedNanos: UInt64
    /// Bytes written to and read from this peer, counted where `NetMetrics` counts the totals:
    /// TCP frames with their header and tag, and authenticated UDP datagrams.
    let bytesSent = Atomic<Int>(0)
    let bytesReceived = Atomic<Int>(0)
    /// Block requests this peer may make (`NetConfig.blockRequestsPerSecond` and burst).
    /// Requests beyond this are ignored rather than queued: each answer can be a whole block.
    let blockRequests: Mutex<TokenBucket>
    /// Whether anything was queued for the peer since the manager last looked: once a second
    /// a session sent nothing gets a `keepAlive`.
    let sentSinceKeepAliveCheck = Atomic<Bool>(false)
    /// Bytes handed to `send` and not yet written to the socket (see `messageOverheadBytes`).
    private let pending = Atomic<Int>(0)
    /// Encoded messages handed to `send` and not yet given to the channel. One event-loop task
    /// takes all of them and flushes once, so a burst (a block's parts, a vote to every peer,
    /// gossiped transactions) costs one wake-up of the event loop and one write system call
    /// instead of one of each per message.
    private let outbox = Mutex<[ByteBuffer]>([])
    private let reason = Mutex<PeerError?>(nil)

    init(nodeID: NodeID, role: Handshake.Role, channel: any Channel, keys: SessionKeys, peerUDPPort: UInt16,
         limits: Limits, budget: SendBudget) {
        let now = NIODeadline.now().uptimeNanoseconds
        self.blockRequests = Mutex(TokenBucket(ratePerSecond: limits.blockRequestsPerSecond, burst: limits.blockRequestsBurst,
                                               nowNanos: now))
        self.udpInbound = Mutex((
            frames: TokenBucket(ratePerSecond: limits.inboundFramesPerSecond, burst: limits.inboundFramesPerSecond, nowNanos: now),
            bytes: TokenBucket(ratePerSecond: limits.inboundBytesPerSecond, burst: limits.inboundBytesPerSecond, nowNanos: now)))
        self.assembler = Mutex(BlockAssembler(bytesMax: limits.assemblyBytesMax))
        self.nodeID = nodeID
        self.role = role
        self.channel = channel
        self.remoteAddress = channel.remoteAddress
        self.keys = keys
        self.limits = limits
        self.budget = budget
        self.lastReceivedNanos = Atomic(now)
        self.startedNanos = now
        if peerUDPPort != 0, var address = channel.remoteAddress {
            address.port = Int(peerUDPPort)
            udpRemoteAddress = address
        } else {
            udpRemoteAddress = nil
        }
    }

    /// The peer's IP address as text, the key of the per-IP limits and bans.
    var remoteIP: String? { remoteAddress?.ipAddress }

    /// Who opened the TCP connection: the tie-break between two sessions with the same peer.
    func dialer(localID: NodeID) -> NodeID { role == .dialer ? localID : nodeID }

    var queuedBytes: Int { pending.load(ordering: .relaxed) }

    /// Whether to serve this peer catch-up now: its channel is writable (below NIO's write-buffer
    /// high watermark) and less than `serveQueueBytesMax` is queued for it. A peer that does not
    /// read gets nothing more, rather than a growing queue.
    var canServe: Bool { channel.isWritable && queuedBytes < limits.serveQueueBytesMax }

    /// The bytes a queued message of `plaintextBytes` holds until written.
    static func queuedCost(plaintextBytes: Int) -> Int {
        plaintextBytes + NetLimits.tagBytes + FrameDecoder.headerBytes + messageOverheadBytes
    }

    /// Encodes and queues a message for the peer. False when it was not queued: the message is
    /// larger than a frame (a local bug: blocks are split before), or the peer has not drained
    /// `sendQueueBytesMax` bytes or its part of the send budget, and the session is closed.
    @discardableResult
    func send(_ message: NetMessage) -> Bool {
        send(encoded: message.encoded)
    }

    /// `send` for a message already encoded (`NetMessage.encoded`): a message for several peers
    /// is encoded once.
    @discardableResult
    func send(encoded bytes: [UInt8]) -> Bool {
        guard bytes.count <= NetLimits.messageBytesMax else { return false }
        let cost = Self.queuedCost(plaintextBytes: bytes.count)
        let queued = pending.wrappingAdd(cost, ordering: .relaxed).newValue
        let total = budget.queuedBytes.wrappingAdd(cost, ordering: .relaxed).newValue
        guard queued <= limits.sendQueueBytesMax, budget.admits(sessionBytes: queued, totalBytes: total) else {
            pending.wrappingSubtract(cost, ordering: .relaxed)
            budget.queuedBytes.wrappingSubtract(cost, ordering: .relaxed)
            close(.sendQueueFull(bytes: queued - cost))
            return false
        }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let drainNeeded = outbox.withLock { outbox in
            outbox.append(buffer)
            return outbox.count == 1
        }
        if drainNeeded { channel.eventLoop.execute { self.drainOutbox() } }
        sentSinceKeepAliveCheck.store(true, ordering: .relaxed)
        return true
    }

    private func drainOutbox() {
        let messages = outbox.withLock { outbox in
            let taken = outbox
            outbox.removeAll(keepingCapacity: true)
            return taken
        }
        guard let last = messages.last else { return }
        let cost = messages.reduce(0) { $0 + Self.queuedCost(plaintextBytes: $1.readableBytes) }
        // Writes complete in order, and all fail together if the channel does: the last one's
        // promise accounts for the whole batch.
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in
            self.pending.wrappingSubtract(cost, ordering: .relaxed)
            self.budget.queuedBytes.wrappingSubtract(cost, ordering: .relaxed)
        }
        for message in messages.dropLast() { channel.write(message, promise: nil) }
        channel.writeAndFlush(last, promise: promise)
    }

    /// Adds a block part to this peer's reassembly; also returns by how many bytes the bytes held
    /// changed, for the manager's total.
    func assemble(_ part: BlockPart) -> (outcome: BlockAssembler.Outcome, deltaBytes: Int) {
        assembler.withLock { assembler in
            let before = assembler.bufferedBytes
            let outcome = assembler.add(part)
            return (outcome, assembler.bufferedBytes - before)
        }
    }

    /// Drops the reassembly in progress; returns the bytes freed.
    func dropAssembly() -> Int {
        assembler.withLock { assembler in
            let freed = assembler.bufferedBytes
            assembler.reset()
            return freed
        }
    }

    var assemblingBytes: Int { assembler.withLock { $0.bufferedBytes } }

    /// Closes the session; the first reason given is the one reported.
    func close(_ why: PeerError) {
        reason.withLock { if $0 == nil { $0 = why } }
        channel.close(promise: nil)
    }

    var closeReason: PeerError { reason.withLock { $0 } ?? .closedByPeer }
}
