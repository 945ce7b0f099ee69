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
    public var maxInboundPeers: Int = 40
    public var maxPeers: Int = 50
    /// Inbound connections still in their handshake; more are closed at accept.
    public var maxPendingHandshakes: Int = 32
    public var handshakeTimeoutMillis: Int64 = 5_000
    public var dialBackoffBaseMillis: Int64 = 250
    public var dialBackoffMaxMillis: Int64 = 30_000
    /// Seed of the dial-backoff jitter, so a run replays.
    public var jitterSeed: UInt64 = 0x5EED
    /// A peer that misbehaved is neither accepted nor dialled for this long.
    public var misbehaviourBackoffMillis: Int64 = 10_000
    /// Messages queued towards one peer and not yet written to its socket; over this, the peer is
    /// disconnected as too slow.
    public var sendQueueMessagesMax: Int = 4_096
    /// Block requests (catch-up) one peer may make per second, and in a burst. A node that is
    /// behind pipelines requests to sync at block-store speed; beyond this they are ignored
    /// rather than queued (an answer can be a whole block). Above the 1,000 blocks/s a node
    /// must sync at, so the serving side never sets the pace.
    public var blockRequestsPerSecond: Double = 4_000
    public var blockRequestsBurst: Double = 256
    /// Inbound frames and bytes per second from one peer (token buckets, burst = one second).
    public var inboundFramesPerSecond: Double = 5_000
    public var inboundBytesPerSecond: Double = 32 * 1024 * 1024
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
}
