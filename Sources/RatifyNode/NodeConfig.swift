import RatifyCore

/// A node's `config/config.toml`: identity for humans, listeners, peers and limits. Chain
/// rules live in genesis.json, never here; this file may differ between nodes of one chain.
/// docs/GENESIS.md lists every key with its default.
public struct NodeConfig: Hashable, Sendable {
    /// A human name for logs and peers' dashboards.
    public var moniker = "ratify-node"
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text
    public var p2p = P2PConfig()
    public var rpc = RPCConfig()
    public var instrumentation = InstrumentationConfig()
    public var mempool = MempoolConfig()
    public var pow = PoWConfig()
    public var storage = StorageConfig()
    public var privValidator = PrivValidatorConfig()
    public var stateSync = StateSyncConfig()
    public var consensus = ConsensusConfig()

    public init() {}

    /// The listeners `ratify testnet` and `ratify init` write: every listener on `host`, TCP
    /// p2p on `basePort`, RPC on +1, UDP votes on +2, Prometheus on +4 (so base 26656 gives
    /// CometBFT's familiar 26656/26657/26660). The caller checks `basePort <= basePortMax`.
    public init(moniker: String, host: String, basePort: UInt16) {
        precondition(basePort <= Self.basePortMax, "base port \(basePort) leaves no room for its listeners")
        self.moniker = moniker
        p2p.listenAddress = HostPort(host: host, port: basePort)
        rpc.listenAddress = HostPort(host: host, port: basePort + 1)
        p2p.udpListenAddress = HostPort(host: host, port: basePort + 2)
        instrumentation.prometheusListenAddress = HostPort(host: host, port: basePort + Self.basePortSpan)
    }

    /// The highest port `init(moniker:host:basePort:)` uses is `basePort + basePortSpan`.
    public static let basePortSpan: UInt16 = 4
    public static let basePortMax = UInt16.max - basePortSpan

    /// Rules across keys; `file` names the file in the error.
    public func validate(file: String = "config.toml") throws(FileFormatError) {
        func fail(_ key: String, _ reason: String) -> FileFormatError {
            FileFormatError(file: file, location: key, reason: reason)
        }
        if moniker.isEmpty || moniker.utf8.count > CodecLimits.nameBytesMax
            || moniker.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw fail("moniker", "expected 1 to \(CodecLimits.nameBytesMax) bytes without control characters")
        }
        if p2p.maxPeers < 1 { throw fail("p2p.max_peers", "expected at least 1, got 0") }
        if p2p.maxInboundPeers > p2p.maxPeers {
            throw fail("p2p.max_inbound_peers", "\(p2p.maxInboundPeers) exceeds p2p.max_peers \(p2p.maxPeers)")
        }
        try p2p.validate(fail)
        for (key, value) in [("max_open_connections", rpc.maxOpenConnections), ("max_body_bytes", rpc.maxBodyBytes),
                             ("max_header_bytes", rpc.maxHeaderBytes), ("read_timeout_ms", rpc.readTimeoutMillis),
                             ("timeout_broadcast_tx_commit_ms", rpc.timeoutBroadcastTxCommitMillis),
                             ("health_max_block_age_ms", rpc.healthMaxBlockAgeMillis)] where value < 1 {
            throw fail("rpc.\(key)", "expected at least 1, got 0")
        }
        if pow.miningThreads > PoWConfig.miningThreadsMax {
            throw fail("pow.mining_threads", "expected 0 (not mining) to \(PoWConfig.miningThreadsMax), got \(pow.miningThreads)")
        }
        if storage.retainBlocks != 0 && storage.retainBlocks < StorageConfig.retainBlocksMin {
            throw fail("storage.retain_blocks", "expected 0 (keep every block) or at least \(StorageConfig.retainBlocksMin), got \(storage.retainBlocks)")
        }
        if storage.snapshotKeepRecent < 1 || storage.snapshotKeepRecent > 100 {
            throw fail("storage.snapshot_keep_recent", "expected 1 to 100, got \(storage.snapshotKeepRecent)")
        }
        try privValidator.validate(fail)
        try stateSync.validate(fail)
        if mempool.size < 1 { throw fail("mempool.size", "expected at least 1, got 0") }
        if mempool.maxTxsBytes < UInt64(CodecLimits.transactionBytesMax) {
            throw fail("mempool.max_txs_bytes", "expected at least \(CodecLimits.transactionBytesMax) (one transaction), got \(mempool.maxTxsBytes)")
        }
        if mempool.maxTxsPerSender < 1 || mempool.maxTxsPerSender > mempool.size {
            throw fail("mempool.max_txs_per_sender", "expected 1 to mempool.size (\(mempool.size)), got \(mempool.maxTxsPerSender)")
        }
    }
}
