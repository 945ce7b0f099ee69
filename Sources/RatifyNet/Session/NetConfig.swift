import RatifyCore

/// Everything the peer manager needs, from config.toml's `[p2p]` section and the node key.
/// Defaults suit a small validator network; every queue and rate has a limit here.
public struct NetConfig: Sendable {
    public var chainID: String
    public var nodeKey: KeyPair
    /// `[p2p] listen_address` host and port; port 0 picks an ephemeral port (tests).
    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = 26656
    /// `[p2p] udp_listen_address` port; nil disables the UDP fast path, 0 picks an ephemeral port.
    public var udpListenPort: Int? = nil
    /// `[p2p] udp_listen_address` host; nil binds UDP on `listenHost`.
    public var udpListenHost: String? = nil
    public var persistentPeers: [PeerAddress] = []
    /// `[p2p] unconditional_peer_ids` (and `private_peer_ids`): node ids that always get a
    /// session, like persistent peers: beyond `maxPeers`, `maxInboundPeers` and the per-IP
    /// limits, and not refused when their IP address is banned. List validators here.
    public var unconditionalPeers: Set<NodeID> = []
    /// `[p2p] allowlist_only`: sessions only with persistent, unconditional and `allowedPeers`
    /// node ids (a validator behind sentries); every other node key is refused after its handshake.
    public var allowlistOnly = false
    /// `[p2p] allowed_peer_ids`: further node ids accepted in allow-list mode.
    public var allowedPeers: Set<NodeID> = []
    public var maxInboundPeers: Int = 40
    public var maxPeers: Int = 50
    /// Inbound sessions from one IP address (reserved peers are not counted against it), so one
    /// host with throwaway node keys cannot take every inbound slot. Loopback counts as one
    /// address: a localnet's validators are persistent peers of each other and are exempt.
    public var maxInboundPeersPerIP: Int = 8
    /// Inbound connections still in their handshake (see `maxPendingHandshakesPerIP` for what
    /// happens when it is reached).
    public var maxPendingHandshakes: Int = 32
    /// Inbound connections from one IP address still in their handshake. When this (or
    /// `maxPendingHandshakes`) is reached, the oldest connection that has not sent its hello
    /// yet is closed to make room; only when none is silent is the new one refused. Silent
    /// sockets therefore never keep a peer that speaks out.
    public var maxPendingHandshakesPerIP: Int = 8
    /// A connection must deliver its hello within this, and finish the handshake within
    /// `handshakeTimeoutMillis`. Honest peers send their hello as soon as they connect.
    public var helloTimeoutMillis: Int64 = 2_000
    public var handshakeTimeoutMillis: Int64 = 5_000
    public var dialBackoffBaseMillis: Int64 = 250
    public var dialBackoffMaxMillis: Int64 = 30_000
    /// Seed of the dial-backoff jitter, so a run replays.
    public var jitterSeed: UInt64 = 0x5EED
    /// A peer that misbehaved is neither accepted nor dialled for this long, and neither is
    /// any other node key from its IP address (unless reserved), so a fresh key escapes nothing.
    public var misbehaviourBackoffMillis: Int64 = 10_000
    /// Bytes queued towards one peer and not yet written to its socket (frames plus
    /// `PeerSession.messageOverheadBytes` each); over this, the peer is disconnected as too slow.
    /// Holds a largest block with room to spare.
    public var sendQueueBytesMax: Int = 32 * 1024 * 1024
    /// Bytes queued towards all peers together. Each peer may always queue an equal share of
    /// half of it (`sendQueueBytesTotalMax / 2 / (maxPeers + reserved peers)`); beyond its share it
    /// draws on the other half, first come first served, and a peer that finds that half used up
    /// is disconnected as too slow. So the total never exceeds this.
    public var sendQueueBytesTotalMax: Int = 256 * 1024 * 1024
    /// Catch-up (blocks for peers that are behind or ask) is served only while the peer's channel
    /// is writable (NIO's write-buffer watermark) and less than this is queued for it; requests
    /// that come in meanwhile are dropped, not queued, and asked again by the peer.
    public var serveQueueBytesMax: Int = 4 * 1024 * 1024
    /// Block-part reassembly, in bytes held for one peer (one block at a time) and for all peers
    /// together. Past the total the largest reassembly in progress is dropped (the block comes
    /// again through gossip or catch-up); past the per-peer cap the peer is disconnected.
    public var assemblyBytesMax: Int = CodecLimits.blockBytesMax
    public var assemblyBytesTotalMax: Int = 64 * 1024 * 1024
    /// `[p2p] send_rate`: bytes per second written to one peer (token bucket, burst = one
    /// second). Writes beyond it wait unflushed in the channel, which then reports unwritable.
    public var sendBytesPerSecond: Double = 32 * 1024 * 1024
    /// Block requests (catch-up) one peer may make per second, and in a burst. A node that is
    /// behind pipelines requests to sync at block-store speed; beyond this they are ignored
    /// rather than queued (an answer can be a whole block). Above the 1,000 blocks/s a node
    /// must sync at, so the serving side never sets the pace.
    public var blockRequestsPerSecond: Double = 4_000
    public var blockRequestsBurst: Double = 256
    /// Inbound frames and bytes per second from one peer (token buckets, burst = one second);
    /// `inboundBytesPerSecond` is `[p2p] recv_rate`. Datagrams of a session have buckets of
    /// their own at the same rates; over them they are dropped.
    public var inboundFramesPerSecond: Double = 5_000
    public var inboundBytesPerSecond: Double = 32 * 1024 * 1024
    /// Datagrams per second accepted on the UDP socket from everyone, before any lookup or
    /// decryption; more are dropped. Spoofable sources make a per-sender limit meaningless.
    public var udpDatagramsPerSecond: Double = 20_000
    /// Decoded messages waiting for the node; when full, new ones are dropped (and counted) and
    /// gossip sends them again later.
    public var deliveryBufferMax: Int = 8_192
    /// Message digests remembered to drop duplicates before signature checks.
    public var seenSetMax: Int = 65_536
    /// Verified votes kept for re-sending to peers that miss them.
    public var voteStoreMax: Int = 20_000
    public var gossipIntervalMillis: Int64 = 100
    /// A session on which nothing has arrived for this long is closed and the peer redialled.
    /// Every peer announces its state about once a second, so silence means the path is down;
    /// without this, a session across a partition that healed waits out TCP's retransmission
    /// backoff (up to two minutes per retry) before anything flows again. Keep it well above
    /// the one-second announcement interval.
    public var peerSilenceTimeoutMillis: Int64 = 10_000
    /// Votes re-sent to one peer per gossip tick.
    public var votesPerPeerPerTick: Int = 256
    /// A repeated log line about one peer is written at most once per this interval.
    public var logIntervalMillis: Int64 = 10_000
    /// Nonce counter at which a session is closed (the cipher refuses to seal or open past it).
    public var nonceLimit: UInt64 = .max - 1

    public init(chainID: String, nodeKey: KeyPair) {
        self.chainID = chainID
        self.nodeKey = nodeKey
    }

    public var nodeID: NodeID { nodeKey.publicKey.address }

    /// Node ids that always get a session: persistent and unconditional peers.
    public var reservedPeers: Set<NodeID> { unconditionalPeers.union(persistentPeers.map(\.nodeID)) }
}
