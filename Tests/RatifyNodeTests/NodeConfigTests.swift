import Testing
import RatifyCore
@testable import RatifyNode
import struct RatifyNet.NetConfig

@Suite("config.toml")
struct NodeConfigTests {
    private func error(_ text: String) -> String {
        do {
            _ = try NodeConfig(toml: text, file: "config.toml")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("written text parses back to the same config, and an empty file gives the defaults")
    func roundTrip() throws {
        var config = NodeConfig()
        config.moniker = "val \"one\""
        config.logLevel = .debug
        config.p2p.listenAddress = HostPort(host: "10.0.0.1", port: 1234)
        config.p2p.persistentPeers = [PeerAddress(nodeID: try #require(Address(hex: String(repeating: "ab", count: 20))),
                                                  endpoint: HostPort(host: "::1", port: 26656))]
        config.mempool.size = 7
        config.mempool.maxTxsPerSender = 7
        config.mempool.maxTxsBytes = 1 << 20
        config.rpc.maxBodyBytes = 4096
        config.rpc.maxOpenConnections = 3
        config.rpc.readTimeoutMillis = 250
        config.rpc.timeoutBroadcastTxCommitMillis = 1_500
        let again = try NodeConfig(toml: config.tomlText)
        #expect(again == config)
        #expect(try NodeConfig(toml: "") == NodeConfig())
        #expect(NodeConfig().p2p.listenAddress.description == "0.0.0.0:26656")
    }

    @Test("[rpc] health_max_block_age_ms defaults to a minute, parses, round-trips, and names itself when bad")
    func healthMaxBlockAge() throws {
        #expect(NodeConfig().rpc.healthMaxBlockAgeMillis == 60_000)
        var config = NodeConfig()
        config.rpc.healthMaxBlockAgeMillis = 2_500
        #expect(config.tomlText.contains("health_max_block_age_ms = 2500"))
        #expect(try NodeConfig(toml: config.tomlText).rpc.healthMaxBlockAgeMillis == 2_500)
        #expect(error("[rpc]\nhealth_max_block_age_ms = 0") == "config.toml: rpc.health_max_block_age_ms: expected at least 1, got 0")
        #expect(error("[rpc]\nhealth_max_block_age_ms = \"1m\"")
            == "config.toml: rpc.health_max_block_age_ms: expected a non-negative integer, got \"1m\"")
        #expect(error("[rpc]\nhealth_max_block_age_ms = -5")
            == "config.toml: rpc.health_max_block_age_ms: expected a non-negative integer, got -5")
    }

    @Test("PoS and PoW nodes take their listeners and peers from one place, hosts included")
    func netConfigCarriesListenersAndPeers() throws {
        let peerID = String(repeating: "ab", count: 20)
        let config = try NodeConfig(toml: """
            [p2p]
            listen_address = "tcp://10.0.0.5:26656"
            udp_listen_address = "udp://10.0.0.6:26658"
            persistent_peers = "\(peerID)@10.0.0.7:26656"
            max_inbound_peers = 7
            """)
        let net = config.p2p.netConfig(chainID: "c", nodeKey: KeyPair.generate())
        #expect(net.listenHost == "10.0.0.5" && net.listenPort == 26656)
        #expect(net.udpListenHost == "10.0.0.6" && net.udpListenPort == 26658)
        #expect(net.persistentPeers.map(\.description) == ["\(peerID)@10.0.0.7:26656"])
        #expect(net.maxInboundPeers == 7)
    }

    @Test("[storage] retain_blocks defaults to 100000, parses, round-trips, keeps everything at 0, and names itself when bad")
    func retainBlocks() throws {
        #expect(NodeConfig().storage.retainBlocks == 100_000)
        var config = NodeConfig()
        config.storage.retainBlocks = 500
        #expect(config.tomlText.contains("[storage]") && config.tomlText.contains("retain_blocks = 500"))
        #expect(try NodeConfig(toml: config.tomlText).storage.retainBlocks == 500)
        #expect(try NodeConfig(toml: "[storage]\nretain_blocks = 0").storage.retainBlocks == 0)
        #expect(error("[storage]\nretain_blocks = 1") == "config.toml: storage.retain_blocks: expected 0 (keep every block) or at least 2, got 1")
        #expect(error("[storage]\nretain_blocks = -3") == "config.toml: storage.retain_blocks: expected a non-negative integer, got -3")
        #expect(error("[storage]\nretain_blocks = \"all\"") == "config.toml: storage.retain_blocks: expected a non-negative integer, got \"all\"")
        #expect(error("[storage]\nkeep_blocks = 5").contains("keep_blocks"))
    }

    @Test("[storage] snapshots and [statesync] parse, round-trip, and name the key when bad or incomplete")
    func snapshotsAndStateSync() throws {
        #expect(NodeConfig().storage.snapshotIntervalHeights == 1_000 && NodeConfig().storage.snapshotKeepRecent == 2)
        #expect(!NodeConfig().stateSync.enable)
        var config = NodeConfig()
        config.storage.snapshotIntervalHeights = 50
        config.storage.snapshotKeepRecent = 3
        config.stateSync.enable = true
        config.stateSync.rpcServers = [HostPort(host: "10.0.0.5", port: 26657), HostPort(host: "10.0.0.6", port: 26657)]
        config.stateSync.trustHeight = 1_200
        config.stateSync.trustHash = Hash.sha256([9])
        #expect(try NodeConfig(toml: config.tomlText) == config)
        let servers = try NodeConfig(toml: """
            [statesync]
            enable = true
            rpc_servers = "http://10.0.0.5:26657, 10.0.0.6:26657"
            trust_height = 5
            trust_hash = "\(Hash.sha256([9]).hex)"
            """).stateSync.rpcServers
        #expect(servers == config.stateSync.rpcServers)
        #expect(error("[statesync]\nenable = true\nrpc_servers = \"10.0.0.5:26657\"\ntrust_height = 5\ntrust_hash = \"\(Hash.sha256([9]).hex)\"")
            .hasPrefix("config.toml: statesync.rpc_servers: expected at least 2 RPC servers"))
        #expect(error("[statesync]\nenable = true\nrpc_servers = \"a:1,b:2\"\ntrust_hash = \"\(Hash.sha256([9]).hex)\"")
            .hasPrefix("config.toml: statesync.trust_height: expected the trusted height"))
        #expect(error("[statesync]\ntrust_hash = \"abc\"") == "config.toml: statesync.trust_hash: expected a block hash of 64 hex digits, got \"abc\"")
        #expect(error("[statesync]\nrpc_servers = \"nohost\"").hasPrefix("config.toml: statesync.rpc_servers: nohost: "))
        #expect(error("[storage]\nsnapshot_keep_recent = 0") == "config.toml: storage.snapshot_keep_recent: expected 1 to 100, got 0")
        // Disabled, an incomplete section is fine: it is used only with enable = true.
        #expect(try NodeConfig(toml: "[statesync]\ntrust_height = 9").stateSync.trustHeight == 9)
    }

    @Test("[consensus] skip_timeout_commit defaults to true, round-trips, and names the key when bad")
    func consensusSection() throws {
        #expect(NodeConfig().consensus.skipTimeoutCommit)
        var config = NodeConfig()
        config.consensus.skipTimeoutCommit = false
        #expect(config.tomlText.contains("[consensus]\n"))
        #expect(try NodeConfig(toml: config.tomlText) == config)
        #expect(try !NodeConfig(toml: "[consensus]\nskip_timeout_commit = false").consensus.skipTimeoutCommit)
        #expect(error("[consensus]\nskip_timeout_commit = 1").hasPrefix("config.toml: consensus.skip_timeout_commit: "))
        #expect(error("[consensus]\ntimeout_commit_ms = 5").contains("timeout_commit_ms"))
    }

    @Test("a bad peer address names the key and the entry")
    func badPeer() {
        let id = String(repeating: "ab", count: 20)
        #expect(error("[p2p]\npersistent_peers = \"\(id)@127.0.0.1:26656,abc@127.0.0.1:26656\"")
            == "config.toml: p2p.persistent_peers: entry 2: node id in \"abc@127.0.0.1:26656\" must be 40 hex digits (the node key's address), got 3 characters")
        #expect(error("[p2p]\npersistent_peers = \"\(id)@127.0.0.1:99999\"")
            == "config.toml: p2p.persistent_peers: entry 1: invalid port \"99999\" in \"127.0.0.1:99999\"; expected 1 to 65535")
        #expect(error("[p2p]\npersistent_peers = \"127.0.0.1:26656\"")
            == "config.toml: p2p.persistent_peers: entry 1: expected nodeid@host:port, got \"127.0.0.1:26656\"")
    }

    @Test("bad TOML names line and column")
    func badTOML() {
        let message = error("moniker = \"a\"\n\n[p2p]\nmax_peers = = 3\n")
        #expect(message == "config.toml: line 4, column 13: invalid TOML: Error while parsing value: could not determine value type")
        // A key defined twice is a parse error too (toml++ rejects redefinition).
        #expect(error("moniker = \"a\"\nmoniker = \"b\"\n")
            == "config.toml: line 2, column 11: invalid TOML: Error while parsing key-value pair: cannot redefine existing string 'moniker'")
    }

    @Test("log_level takes swift-log's names and warn for warning")
    func logLevelNames() throws {
        #expect(try NodeConfig(toml: "log_level = \"warn\"", file: "config.toml").logLevel == .warning)
        #expect(try NodeConfig(toml: "log_level = \"warning\"", file: "config.toml").logLevel == .warning)
        #expect(try NodeConfig(toml: "log_level = \"critical\"", file: "config.toml").logLevel == .critical)
        #expect(LogLevel(named: "WARN") == nil, "names are lower case, as swift-log's")
    }

    @Test("unknown keys, wrong types and negative numbers name the key path")
    func wrongKeysAndTypes() {
        #expect(error("[p2p]\nmax_peer = 3")
            == "config.toml: p2p.max_peer: unknown key; expected one of: listen_address, persistent_peers, udp_listen_address, max_inbound_peers, max_peers, "
            + "unconditional_peer_ids, private_peer_ids, allowed_peer_ids, allowlist_only, max_pending_handshakes, max_pending_handshakes_per_ip, "
            + "max_inbound_peers_per_ip, hello_timeout_ms, handshake_timeout_ms, ban_duration_ms, send_rate, recv_rate, max_send_queue_bytes, "
            + "max_send_queue_bytes_total")
        #expect(error("[mempool]\nsize = \"big\"") == "config.toml: mempool.size: expected a non-negative integer, got \"big\"")
        #expect(error("[mempool]\nsize = -5") == "config.toml: mempool.size: expected a non-negative integer, got -5")
        #expect(error("p2p = 3") == "config.toml: p2p: expected a table [p2p], got 3")
        #expect(error("log_level = \"loud\"")
            == "config.toml: log_level: expected one of trace, debug, info, notice, warning, error, critical (or warn), got \"loud\"")
        #expect(error("[rpc]\nmax_body_bytes = 0") == "config.toml: rpc.max_body_bytes: expected at least 1, got 0")
        #expect(error("[mempool]\nmax_txs_bytes = 10")
            == "config.toml: mempool.max_txs_bytes: expected at least 65536 (one transaction), got 10")
        #expect(error("[rpc]\nlisten_address = \"127.0.0.1:26657\"")
            == "config.toml: rpc.listen_address: expected tcp://HOST:PORT, got \"127.0.0.1:26657\"")
        #expect(error("[p2p]\nmax_inbound_peers = 60\nmax_peers = 50")
            == "config.toml: p2p.max_inbound_peers: 60 exceeds p2p.max_peers 50")
    }

    @Test("[p2p] peer lists, allow-list mode, per-IP limits, rates and queue caps parse, round-trip and reach the peer manager's config")
    func p2pLimits() throws {
        let sentry = String(repeating: "ab", count: 20), validator = String(repeating: "cd", count: 20)
        let config = try NodeConfig(toml: """
            [p2p]
            unconditional_peer_ids = " \(sentry) , \(validator)"
            private_peer_ids = "\(validator)"
            allowed_peer_ids = "\(sentry)"
            allowlist_only = true
            max_pending_handshakes = 16
            max_pending_handshakes_per_ip = 4
            max_inbound_peers_per_ip = 0
            hello_timeout_ms = 1000
            handshake_timeout_ms = 3000
            ban_duration_ms = 60000
            send_rate = 5120000
            recv_rate = 5120000
            max_send_queue_bytes = 20000000
            max_send_queue_bytes_total = 100000000
            """)
        let sentryID = try #require(Address(hex: sentry)), validatorID = try #require(Address(hex: validator))
        #expect(config.p2p.unconditionalPeerIDs == [sentryID, validatorID])
        #expect(config.p2p.privatePeerIDs == [validatorID])
        #expect(config.p2p.allowedPeerIDs == [sentryID])
        #expect(config.p2p.allowlistOnly)
        #expect(try NodeConfig(toml: config.tomlText) == config)
        var net = NetConfig(chainID: "c", nodeKey: KeyPair.generate())
        config.p2p.applyLimits(to: &net)
        #expect(net.reservedPeers == [sentryID, validatorID])
        #expect(net.allowlistOnly && net.allowedPeers == [sentryID])
        #expect(net.maxPendingHandshakes == 16 && net.maxPendingHandshakesPerIP == 4 && net.maxInboundPeersPerIP == 0)
        #expect(net.helloTimeoutMillis == 1_000 && net.handshakeTimeoutMillis == 3_000 && net.misbehaviourBackoffMillis == 60_000)
        #expect(net.sendBytesPerSecond == 5_120_000 && net.inboundBytesPerSecond == 5_120_000)
        #expect(net.sendQueueBytesMax == 20_000_000 && net.sendQueueBytesTotalMax == 100_000_000)
        // The defaults are what NetConfig's are, so a config.toml without these keys changes nothing.
        var defaults = NetConfig(chainID: "c", nodeKey: KeyPair.generate())
        let untouched = defaults
        NodeConfig().p2p.applyLimits(to: &defaults)
        #expect(defaults.maxPendingHandshakes == untouched.maxPendingHandshakes)
        #expect(defaults.maxPendingHandshakesPerIP == untouched.maxPendingHandshakesPerIP)
        #expect(defaults.maxInboundPeersPerIP == untouched.maxInboundPeersPerIP)
        #expect(defaults.helloTimeoutMillis == untouched.helloTimeoutMillis)
        #expect(defaults.handshakeTimeoutMillis == untouched.handshakeTimeoutMillis)
        #expect(defaults.misbehaviourBackoffMillis == untouched.misbehaviourBackoffMillis)
        #expect(defaults.sendBytesPerSecond == untouched.sendBytesPerSecond)
        #expect(defaults.inboundBytesPerSecond == untouched.inboundBytesPerSecond)
        #expect(defaults.sendQueueBytesMax == untouched.sendQueueBytesMax)
        #expect(defaults.sendQueueBytesTotalMax == untouched.sendQueueBytesTotalMax)
    }

    @Test("bad [p2p] limit values name the key and what is expected")
    func badP2PLimits() {
        #expect(error("[p2p]\nunconditional_peer_ids = \"\(String(repeating: "ab", count: 20)),xyz\"")
            == "config.toml: p2p.unconditional_peer_ids: entry 2: node id \"xyz\" must be 40 hex digits (the node key's address), got 3 characters")
        #expect(error("[p2p]\nallowlist_only = \"yes\"") == "config.toml: p2p.allowlist_only: expected true or false, got \"yes\"")
        #expect(error("[p2p]\nallowlist_only = true")
            == "config.toml: p2p.allowlist_only: true but no peer is allowed; list the sentries in p2p.allowed_peer_ids or p2p.persistent_peers")
        #expect(error("[p2p]\nmax_pending_handshakes_per_ip = 0") == "config.toml: p2p.max_pending_handshakes_per_ip: expected at least 1, got 0")
        #expect(error("[p2p]\nmax_pending_handshakes = 4\nmax_pending_handshakes_per_ip = 8")
            == "config.toml: p2p.max_pending_handshakes_per_ip: 8 exceeds p2p.max_pending_handshakes 4")
        #expect(error("[p2p]\nhello_timeout_ms = 6000") == "config.toml: p2p.hello_timeout_ms: 6000 exceeds p2p.handshake_timeout_ms 5000")
        #expect(error("[p2p]\nban_duration_ms = 86400001") == "config.toml: p2p.ban_duration_ms: expected at most 86400000 (one day), got 86400001")
        #expect(error("[p2p]\nsend_rate = 1000")
            == "config.toml: p2p.send_rate: expected at least \(P2PConfig.rateMin) bytes per second (one largest frame), got 1000")
        #expect(error("[p2p]\nrecv_rate = -1") == "config.toml: p2p.recv_rate: expected a non-negative integer, got -1")
        #expect(error("[p2p]\nmax_send_queue_bytes = 1048576")
            == "config.toml: p2p.max_send_queue_bytes: expected at least \(P2PConfig.sendQueueBytesMin) (a largest block and a frame), got 1048576")
        #expect(error("[p2p]\nmax_send_queue_bytes_total = 20000000")
            == "config.toml: p2p.max_send_queue_bytes_total: 20000000 is less than p2p.max_send_queue_bytes 33554432")
    }
}
