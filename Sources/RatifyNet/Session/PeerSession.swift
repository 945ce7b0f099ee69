import NIOCore
import RatifyCore
import Synchronization

/// One authenticated session with one peer: its channel, what it is known to have, its block
/// reassembly and its UDP keys. Safe to use from any thread; sending never blocks and never
/// queues more than `sendQueueMessagesMax` messages: past that the peer is disconnected.
final class PeerSession: Sendable {
    let nodeID: NodeID
    let role: Handshake.Role
    let channel: any Channel
    let remoteAddress: SocketAddress?
    let keys: SessionKeys
    let udpRemoteAddress: SocketAddress?
    let sendQueueMessagesMax: Int

    let known = Mutex(PeerKnownState())
    let assembler = Mutex(BlockAssembler())
    let udpReplay = Mutex(ReplayWindow())
    let udpSendCounter = Atomic<UInt64>(0)
    /// When the last message arrived over TCP (`NIODeadline` nanoseconds); see
    /// `NetConfig.peerSilenceTimeoutMillis`.
    let lastReceivedNanos: Atomic<UInt64>
    /// Block requests this peer may make (`NetConfig.blockRequestsPerSecond` and burst).
    /// Requests beyond this are ignored rather than queued: each answer can be a whole block.
    let blockRequests: Mutex<TokenBucket>
    private let pending = Atomic<Int>(0)
    /// Messages handed to `send` and not yet given to the channel. One event-loop task takes
    /// all of them and flushes once, so a burst (a block's parts, a vote to every peer,
    /// gossiped transactions) costs one wake-up of the event loop and one write system call
    /// instead of one of each per message.
    private let outbox = Mutex<[NetMessage]>([])
    private let reason = Mutex<PeerError?>(nil)

    init(nodeID: NodeID, role: Handshake.Role, channel: any Channel, keys: SessionKeys, peerUDPPort: UInt16,
         sendQueueMessagesMax: Int, blockRequestsPerSecond: Double, blockRequestsBurst: Double) {
        self.blockRequests = Mutex(TokenBucket(ratePerSecond: blockRequestsPerSecond, burst: blockRequestsBurst,
                                               nowNanos: NIODeadline.now().uptimeNanoseconds))
        self.nodeID = nodeID
        self.role = role
        self.channel = channel
        self.remoteAddress = channel.remoteAddress
        self.keys = keys
        self.sendQueueMessagesMax = sendQueueMessagesMax
        self.lastReceivedNanos = Atomic(NIODeadline.now().uptimeNanoseconds)
        if peerUDPPort != 0, var address = channel.remoteAddress {
            address.port = Int(peerUDPPort)
            udpRemoteAddress = address
        } else {
            udpRemoteAddress = nil
        }
    }

    /// Who opened the TCP connection: the tie-break between two sessions with the same peer.
    func dialer(localID: NodeID) -> NodeID { role == .dialer ? localID : nodeID }

    var queuedMessages: Int { pending.load(ordering: .relaxed) }

    /// Queues a message for the peer. False, and the session is closed, when the peer has not
    /// drained `sendQueueMessagesMax` earlier messages.
    @discardableResult
    func send(_ message: NetMessage) -> Bool {
        let queued = pending.wrappingAdd(1, ordering: .relaxed).newValue
        guard queued <= sendQueueMessagesMax else {
            pending.wrappingSubtract(1, ordering: .relaxed)
            close(.sendQueueFull(messages: queued - 1))
            return false
        }
        let drainNeeded = outbox.withLock { outbox in
            outbox.append(message)
            return outbox.count == 1
        }
        if drainNeeded { channel.eventLoop.execute { self.drainOutbox() } }
        return true
    }

    private func drainOutbox() {
        let messages = outbox.withLock { outbox in
            let taken = outbox
            outbox.removeAll(keepingCapacity: true)
            return taken
        }
        guard let last = messages.last else { return }
        // Writes complete in order, and all fail together if the channel does: the last one's
        // promise accounts for the whole batch.
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in self.pending.wrappingSubtract(messages.count, ordering: .relaxed) }
        for message in messages.dropLast() { channel.write(message, promise: nil) }
        channel.writeAndFlush(last, promise: promise)
    }

    /// Closes the session; the first reason given is the one reported.
    func close(_ why: PeerError) {
        reason.withLock { if $0 == nil { $0 = why } }
        channel.close(promise: nil)
    }

    var closeReason: PeerError { reason.withLock { $0 } ?? .closedByPeer }
}
