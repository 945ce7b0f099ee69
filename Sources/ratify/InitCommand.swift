import ArgumentParser
import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import RatifyOps

/// `ratify init`: a node home for a chain that already exists (docs/STAKING.md, "Becoming a
/// validator").
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a node home that joins an existing chain: config, genesis, validator and node keys.",
        discussion: """
            The node listens on BASE (p2p), BASE+1 (rpc), BASE+2 (udp votes), BASE+4 (prometheus) \
            and dials --peers. Its validator key is fresh unless --key-from-keyring names a keyring \
            key, such as the key that staked to become a validator. Never overwrites a home.
            With --state-sync-from URL,URL the home joins by state sync (docs/STATESYNC.md): the \
            newest snapshot the first node offers becomes the trusted height, its block hash the \
            trusted hash, confirmed by the second node; both are printed for the operator to check \
            against a source they trust before the first start.
            """)

    @Option(help: "The home directory to create.")
    var home: String

    @Option(help: "The chain's genesis.json (copied into HOME/config).")
    var genesis: String

    @Option(help: "Persistent peers, comma-separated nodeid@host:port.")
    var peers = ""

    @Option(help: "The node's name in logs and /status.")
    var moniker = NodeConfig().moniker

    @Option(help: "Host every listener binds to and peers dial.")
    var host = "127.0.0.1"

    @Option(name: .customLong("base-port"), help: "First port; the node uses BASE to BASE+\(NodeConfig.basePortSpan).")
    var basePort: UInt16 = 26656

    @Option(name: .customLong("key-from-keyring"), help: "Use this keyring key as the validator key (default: a fresh key).")
    var keyName: String?

    @Option(name: .customLong("state-sync-from"), help: "At least two RPC URLs of nodes on the chain, comma-separated: join by state sync.")
    var stateSyncFrom: String?

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        var options = NodeHomeInitializer.Options(home: home, genesisFile: genesis, moniker: moniker)
        if let stateSyncFrom { options.stateSync = try await Self.trustedStateSync(from: stateSyncFrom) }
        options.host = host
        options.basePort = basePort
        switch PeerAddress.parseList(peers) {
        case .success(let list): options.peers = list
        case .failure(let problem): throw StandardError.fail("--peers: \(problem.reason)")
        }
        do {
            if let keyName { options.validatorKey = try keyring.keyring.keyPair(keyName) }
            let initialized = try NodeHomeInitializer.initialize(options)
            print(json ? JSONWriter.pretty(initialized.json) : initialized.text)
            if let sync = options.stateSync, let hash = sync.trustHash, !json {
                print("""
                    state sync from \(sync.rpcServers.map(\.description).joined(separator: ",")): trust_height \(sync.trustHeight), \
                    trust_hash \(hash.hex)
                    confirm this hash with a source you trust before the first start (docs/STATESYNC.md)
                    """)
            }
        } catch {
            throw StandardError.fail(error)
        }
    }

    /// `[statesync]` from the servers: the newest snapshot the first offers is the trusted
    /// height, its block hash (from the first) the trusted hash; every other server must agree.
    static func trustedStateSync(from text: String) async throws -> StateSyncConfig {
        let urls = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard urls.count >= 2 else {
            throw StandardError.fail("--state-sync-from: expected at least 2 RPC URLs, comma-separated, to cross-check; got \(urls.count)")
        }
        var nodes: [NodeURL] = []
        for url in urls {
            do { nodes.append(try NodeURL.parse(url)) } catch { throw StandardError.fail("--state-sync-from: \(error)") }
        }
        var config = StateSyncConfig()
        config.enable = true
        config.rpcServers = nodes.map(\.endpoint)
        do {
            let snapshots = try await RPCClient(node: nodes[0]).get("/snapshots").success()
            guard let height = snapshots["snapshots"]?.arrayValue?.first?["height"]?.uint64Value else {
                throw StandardError.fail("--state-sync-from: \(urls[0]) offers no snapshot yet ([storage] snapshot_interval on that node)")
            }
            config.trustHeight = height
            for (index, node) in nodes.enumerated() {
                let block = try await RPCClient(node: node).get("/block?height=\(height)").success()
                guard let hash = block["block_id"]?["hash"]?.stringValue.flatMap({ Hash(hex: $0) }) else {
                    throw StandardError.fail("--state-sync-from: \(urls[index]) gave no block hash for height \(height)")
                }
                if let trusted = config.trustHash, trusted != hash {
                    throw StandardError.fail("--state-sync-from: \(urls[index]) and \(urls[0]) disagree on block \(height) (\(hash.hex) against \(trusted.hex)); do not sync from them")
                }
                config.trustHash = hash
            }
        } catch let error as ClientError {
            throw StandardError.fail("--state-sync-from: \(error)")
        }
        return config
    }
}
