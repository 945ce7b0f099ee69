import RatifyCore
import TOMLKit

/// config.toml: parsing with key-path errors (through TOMLKit, which wraps toml++), and
/// writing with a comment per key.
extension NodeConfig {
    static let fileBytesMax = 1024 * 1024
    static let rootKeys = ["moniker", "log_level", "log", "p2p", "rpc", "instrumentation", "mempool", "pow", "storage", "priv_validator", "statesync", "consensus"]
    static let rpcKeys = ["listen_address", "max_open_connections", "max_body_bytes", "max_header_bytes", "read_timeout_ms",
                          "timeout_broadcast_tx_commit_ms", "health_max_block_age_ms"]
    static let p2pKeys = ["listen_address", "persistent_peers", "udp_listen_address", "max_inbound_peers", "max_peers",
                          "unconditional_peer_ids", "private_peer_ids", "allowed_peer_ids", "allowlist_only",
                          "max_pending_handshakes", "max_pending_handshakes_per_ip", "max_inbound_peers_per_ip",
                          "hello_timeout_ms", "handshake_timeout_ms", "ban_duration_ms", "send_rate", "recv_rate",
                          "max_send_queue_bytes", "max_send_queue_bytes_total"]

    /// Parses and validates config.toml; every omitted key keeps its default. Errors are one
    /// line: `config.toml: line 7, column 3: invalid TOML: ...` or `config.toml: p2p.max_peers: ...`.
    public init(toml text: String, file: String = "config.toml") throws(FileFormatError) {
        guard text.utf8.count <= Self.fileBytesMax else {
            throw FileFormatError(file: file, location: "", reason: "larger than \(Self.fileBytesMax) bytes; this is not a config file")
        }
        let root = try TOMLSection(try TOMLSection.parse(text, file: file), file: file, path: "", keys: Self.rootKeys)
        self.init()
        if let value = try root.string("moniker") { moniker = value }
        if let value = try root.string("log_level") {
            guard let level = LogLevel(named: value) else {
                throw root.failure("log_level", "expected one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")) (or warn), got \"\(value)\"")
            }
            logLevel = level
        }
        if let section = try root.section("log", keys: ["format"]), let value = try section.string("format") {
            guard let format = LogFormat(rawValue: value) else {
                throw section.failure("format", "expected one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")
            }
            logFormat = format
        }
        if let section = try root.section("p2p", keys: Self.p2pKeys) {
            if let value = try section.address("listen_address", { HostPort.parse($0, scheme: "tcp") }) { p2p.listenAddress = value }
            if let value = try section.address("persistent_peers", PeerAddress.parseList) { p2p.persistentPeers = value }
            if let value = try section.address("udp_listen_address", { HostPort.parse($0, scheme: "udp") }) { p2p.udpListenAddress = value }
            if let value = try section.uint64("max_inbound_peers") { p2p.maxInboundPeers = value }
            if let value = try section.uint64("max_peers") { p2p.maxPeers = value }
            if let value = try section.address("unconditional_peer_ids", PeerAddress.parseNodeIDList) { p2p.unconditionalPeerIDs = value }
            if let value = try section.address("private_peer_ids", PeerAddress.parseNodeIDList) { p2p.privatePeerIDs = value }
            if let value = try section.address("allowed_peer_ids", PeerAddress.parseNodeIDList) { p2p.allowedPeerIDs = value }
            if let value = try section.bool("allowlist_only") { p2p.allowlistOnly = value }
            if let value = try section.uint64("max_pending_handshakes") { p2p.maxPendingHandshakes = value }
            if let value = try section.uint64("max_pending_handshakes_per_ip") { p2p.maxPendingHandshakesPerIP = value }
            if let value = try section.uint64("max_inbound_peers_per_ip") { p2p.maxInboundPeersPerIP = value }
            if let value = try section.uint64("hello_timeout_ms") { p2p.helloTimeoutMillis = value }
            if let value = try section.uint64("handshake_timeout_ms") { p2p.handshakeTimeoutMillis = value }
            if let value = try section.uint64("ban_duration_ms") { p2p.banDurationMillis = value }
            if let value = try section.uint64("send_rate") { p2p.sendRate = value }
            if let value = try section.uint64("recv_rate") { p2p.recvRate = value }
            if let value = try section.uint64("max_send_queue_bytes") { p2p.maxSendQueueBytes = value }
            if let value = try section.uint64("max_send_queue_bytes_total") { p2p.maxSendQueueBytesTotal = value }
        }
        if let section = try root.section("rpc", keys: Self.rpcKeys) {
            if let value = try section.address("listen_address", { HostPort.parse($0, scheme: "tcp") }) { rpc.listenAddress = value }
            if let value = try section.uint64("max_open_connections") { rpc.maxOpenConnections = value }
            if let value = try section.uint64("max_body_bytes") { rpc.maxBodyBytes = value }
            if let value = try section.uint64("max_header_bytes") { rpc.maxHeaderBytes = value }
            if let value = try section.uint64("read_timeout_ms") { rpc.readTimeoutMillis = value }
            if let value = try section.uint64("timeout_broadcast_tx_commit_ms") { rpc.timeoutBroadcastTxCommitMillis = value }
            if let value = try section.uint64("health_max_block_age_ms") { rpc.healthMaxBlockAgeMillis = value }
        }
        if let section = try root.section("instrumentation", keys: ["prometheus_listen_address"]) {
            if let value = try section.address("prometheus_listen_address", { HostPort.parse($0) }) {
                instrumentation.prometheusListenAddress = value
            }
        }
        if let section = try root.section("mempool", keys: ["size", "max_txs_per_sender", "max_txs_bytes"]) {
            if let value = try section.uint64("size") { mempool.size = value }
            if let value = try section.uint64("max_txs_per_sender") { mempool.maxTxsPerSender = value }
            if let value = try section.uint64("max_txs_bytes") { mempool.maxTxsBytes = value }
        }
        if let section = try root.section("pow", keys: ["mining_threads"]) {
            if let value = try section.uint64("mining_threads") { pow.miningThreads = value }
        }
        if let section = try root.section("storage", keys: ["retain_blocks", "snapshot_interval", "snapshot_keep_recent"]) {
            if let value = try section.uint64("retain_blocks") { storage.retainBlocks = value }
            if let value = try section.uint64("snapshot_interval") { storage.snapshotIntervalHeights = value }
            if let value = try section.uint64("snapshot_keep_recent") { storage.snapshotKeepRecent = value }
        }
        if let section = try root.section("priv_validator", keys: PrivValidatorConfig.keys) {
            if let value = try section.string("laddr"), !value.isEmpty {
                switch HostPort.parse(value, scheme: "tcp") {
                case .success(let address): privValidator.listenAddress = address
                case .failure(let problem): throw section.failure("laddr", "\(problem); empty for the local key file")
                }
            }
            if let value = try section.address("signer_id", PeerAddress.parseNodeIDList) {
                guard value.count <= 1 else { throw section.failure("signer_id", "expected one signer id, got \(value.count)") }
                privValidator.signerID = value.first
            }
            if let value = try section.string("validator_public_key"), !value.isEmpty {
                guard value.utf8.count == 64, let key = PublicKey(hex: value) else {
                    throw section.failure("validator_public_key", "expected 64 hex digits, got \"\(value)\"")
                }
                privValidator.validatorPublicKey = key
            }
            if let value = try section.uint64("request_timeout_ms") { privValidator.requestTimeoutMillis = value }
            if let value = try section.uint64("retry_ms") { privValidator.retryMillis = value }
        }
        if let section = try root.section("statesync", keys: StateSyncConfig.keys) {
            if let value = try section.bool("enable") { stateSync.enable = value }
            if let value = try section.string("rpc_servers") {
                stateSync.rpcServers = []
                for item in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                    switch HostPort.parse(item, scheme: item.contains("://") ? "http" : nil) {
                    case .success(let address): stateSync.rpcServers.append(address)
                    case .failure(let problem): throw section.failure("rpc_servers", "\(item): \(problem.reason)")
                    }
                }
            }
            if let value = try section.uint64("trust_height") { stateSync.trustHeight = value }
            if let value = try section.string("trust_hash"), !value.isEmpty {
                guard value.utf8.count == 64, let hash = Hash(hex: value) else {
                    throw section.failure("trust_hash", "expected a block hash of 64 hex digits, got \"\(value.prefix(80))\"")
                }
                stateSync.trustHash = hash
            }
        }
        if let section = try root.section("consensus", keys: ConsensusConfig.keys) {
            if let value = try section.bool("skip_timeout_commit") { consensus.skipTimeoutCommit = value }
        }
        try validate(file: file)
    }

    /// The file's text, every key written out with a comment saying what it does.
    public var tomlText: String {
        let peers = p2p.persistentPeers.map(\.description).joined(separator: ",")
        func ids(_ list: [Address]) -> String { list.map(\.hex).joined(separator: ",") }
        return """
        # Ratify node configuration. Chain rules live in genesis.json; this file is per node.
        # Reference: docs/GENESIS.md ("config.toml").

        # A human name for this node, shown in logs and to peers.
        moniker = \(JSONWriter.quoted(moniker))
        # trace, debug, info, notice, warning, error or critical.
        log_level = "\(logLevel.rawValue)"

        [log]
        # text (one line per event for people) or json (one JSON object per line, the same fields).
        format = "\(logFormat.rawValue)"

        [p2p]
        # TCP listener for encrypted peer sessions.
        listen_address = "tcp://\(p2p.listenAddress)"
        # Comma-separated nodeid@host:port peers to keep connected to.
        persistent_peers = "\(peers)"
        # UDP listener for low-latency vote datagrams.
        udp_listen_address = "udp://\(p2p.udpListenAddress)"
        max_inbound_peers = \(p2p.maxInboundPeers)
        max_peers = \(p2p.maxPeers)
        # Comma-separated node ids always accepted, beyond the peer and per-IP limits and
        # address bans (list validators and sentries here).
        unconditional_peer_ids = "\(ids(p2p.unconditionalPeerIDs))"
        # Node ids kept private (the validator behind a sentry); reserved like unconditional ones.
        private_peer_ids = "\(ids(p2p.privatePeerIDs))"
        # With allowlist_only = true, only persistent, unconditional, private and these node ids
        # get a session (a validator that talks to its sentries only).
        allowed_peer_ids = "\(ids(p2p.allowedPeerIDs))"
        allowlist_only = \(p2p.allowlistOnly)
        # Inbound connections in their handshake, in total and from one IP address; when full,
        # the oldest one that has not said hello yet is closed to make room.
        max_pending_handshakes = \(p2p.maxPendingHandshakes)
        max_pending_handshakes_per_ip = \(p2p.maxPendingHandshakesPerIP)
        # Inbound sessions from one IP address (unconditional and persistent peers not counted).
        max_inbound_peers_per_ip = \(p2p.maxInboundPeersPerIP)
        # Milliseconds a new connection has to send its hello, and to finish the handshake.
        hello_timeout_ms = \(p2p.helloTimeoutMillis)
        handshake_timeout_ms = \(p2p.handshakeTimeoutMillis)
        # Milliseconds a misbehaving node key, and other keys from its IP address, are refused.
        ban_duration_ms = \(p2p.banDurationMillis)
        # Bytes per second sent to and received from one peer.
        send_rate = \(p2p.sendRate)
        recv_rate = \(p2p.recvRate)
        # Bytes queued towards one peer, and towards all peers, before a peer is dropped as too slow.
        max_send_queue_bytes = \(p2p.maxSendQueueBytes)
        max_send_queue_bytes_total = \(p2p.maxSendQueueBytesTotal)

        [rpc]
        # JSON-RPC listener. Unauthenticated: keep it on loopback unless a proxy guards it.
        listen_address = "tcp://\(rpc.listenAddress)"
        # Open connections; more are refused.
        max_open_connections = \(rpc.maxOpenConnections)
        # Request body and header limits in bytes (413 and 431 beyond them).
        max_body_bytes = \(rpc.maxBodyBytes)
        max_header_bytes = \(rpc.maxHeaderBytes)
        # A connection must send a complete request within this many milliseconds.
        read_timeout_ms = \(rpc.readTimeoutMillis)
        # POST /tx?wait=final answers 504 after this many milliseconds.
        timeout_broadcast_tx_commit_ms = \(rpc.timeoutBroadcastTxCommitMillis)
        # GET /health answers 503 when the latest block is older than this many milliseconds.
        health_max_block_age_ms = \(rpc.healthMaxBlockAgeMillis)

        [instrumentation]
        # Prometheus metrics endpoint (HOST:PORT).
        prometheus_listen_address = "\(instrumentation.prometheusListenAddress)"

        [mempool]
        # Transactions held in total, and per sender.
        size = \(mempool.size)
        max_txs_per_sender = \(mempool.maxTxsPerSender)
        # Encoded bytes held in total.
        max_txs_bytes = \(mempool.maxTxsBytes)

        [pow]
        # Proof-of-work chains only: hashing threads mining blocks; 0 = do not mine.
        mining_threads = \(pow.miningThreads)

        [storage]
        # Heights of blocks, commits and transaction-index entries kept; older ones are pruned in
        # the background, and requests for them answer 410. 0 keeps every block (an archive node).
        # The default keeps genesis' default staking.evidence_max_age_blocks (docs/STORAGE.md).
        retain_blocks = \(storage.retainBlocks)
        # A snapshot of the ledger state every this many heights, in data/snapshots, served to
        # peers that join by state sync; 0 writes none. The newest snapshot_keep_recent are kept.
        snapshot_interval = \(storage.snapshotIntervalHeights)
        snapshot_keep_recent = \(storage.snapshotKeepRecent)

        [priv_validator]
        # Empty: sign with config/validator_key.json. tcp://HOST:PORT: ask the remote signer
        # there (ratify signer start), which must present signer_id and hold validator_public_key.
        laddr = "\(privValidator.listenAddress.map { "tcp://\($0)" } ?? "")"
        signer_id = "\(privValidator.signerID?.hex ?? "")"
        validator_public_key = "\(privValidator.validatorPublicKey?.hex ?? "")"
        # Milliseconds for one signer request (connect, handshake, answer); past it, no vote.
        request_timeout_ms = \(privValidator.requestTimeoutMillis)
        # Milliseconds between attempts to reach a signer that is gone.
        retry_ms = \(privValidator.retryMillis)

        [statesync]
        # Join from a verified snapshot instead of replaying every block (docs/STATESYNC.md); only
        # when the store is empty. rpc_servers: at least 2 "host:port" of nodes on the chain.
        # trust_height and trust_hash: a block the operator trusts (ratify init --state-sync-from).
        enable = \(stateSync.enable)
        rpc_servers = "\(stateSync.rpcServers.map(\.description).joined(separator: ","))"
        trust_height = \(stateSync.trustHeight)
        trust_hash = "\(stateSync.trustHash?.hex ?? "")"

        [consensus]
        # End the commit wait (genesis timeout_commit_ms) as soon as every validator's precommit
        # is in. false waits it out: heights at least that far apart, more transactions a block.
        skip_timeout_commit = \(consensus.skipTimeoutCommit)

        """
    }
}
