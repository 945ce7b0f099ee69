import Testing
import RatifyCore
@testable import RatifyNode

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
            == "config.toml: p2p.max_peer: unknown key; expected one of: listen_address, persistent_peers, udp_listen_address, max_inbound_peers, max_peers")
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
}
