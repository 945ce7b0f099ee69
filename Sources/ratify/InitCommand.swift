import ArgumentParser
import RatifyCore
import RatifyNode
import RatifyOps

/// `ratify init`: a node home for a chain that already exists (docs/STAKING.md, "Becoming a
/// validator").
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a node home that joins an existing chain: config, genesis, validator and node keys.",
        discussion: """
            The node listens on BASE (p2p), BASE+1 (rpc), BASE+2 (udp votes), BASE+4 (prometheus) \
            and dials --peers. Its validator key is fresh unless --key-from-keyring names a keyring \
            key, such as the key that staked to become a validator. Never overwrites a home.
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

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var options = NodeHomeInitializer.Options(home: home, genesisFile: genesis, moniker: moniker)
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
        } catch {
            throw StandardError.fail(error)
        }
    }
}
