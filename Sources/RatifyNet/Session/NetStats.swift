/// A snapshot of the manager's buffers and counters, for tests, logs and the RPC.
public struct NetStats: Sendable {
    public var peers: Int
    public var inboundPeers: Int
    public var pendingInbound: Int
    public var openChannels: Int
    public var seenDigests: Int
    public var penalties: Int
    /// IP addresses backed off after misbehaviour.
    public var bannedAddresses: Int
    /// Bytes queued towards peers and not yet written to their sockets, summed (frames plus
    /// `PeerSession.messageOverheadBytes` each).
    public var queuedBytes: Int
    /// Bytes held by block-part reassembly, summed over peers.
    public var assemblingBytes: Int
    public var handshakeFailures: [String: Int]
    public var disconnects: [String: Int]
    public var udpRejected: [String: Int]
    /// Messages dropped because `inbound` was full (gossip sends them again).
    public var deliveryDropped: Int
    /// Messages dropped as copies of one already seen (`ratify_p2p_duplicates_dropped_total`).
    public var duplicatesDropped: Int
}

extension PeerManager {
    public var stats: NetStats {
        let (sessions, snapshot) = state.withLock { state in
            (Array(state.sessions.values), NetStats(
                peers: state.sessions.count, inboundPeers: state.inboundSessions, pendingInbound: state.pending.count,
                openChannels: state.channels.count, seenDigests: state.seen.count,
                penalties: state.penalties.count, bannedAddresses: state.addressPenalties.count, queuedBytes: 0, assemblingBytes: 0,
                handshakeFailures: state.handshakeFailures, disconnects: state.disconnects,
                udpRejected: state.udpRejected, deliveryDropped: state.deliveryDropped,
                duplicatesDropped: state.duplicatesDropped))
        }
        var stats = snapshot
        for session in sessions {
            stats.queuedBytes += session.queuedBytes
            stats.assemblingBytes += session.assemblingBytes
        }
        return stats
    }
}
