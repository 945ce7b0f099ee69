import RatifyNode
import RatifyCore

/// `ratify init`: one node home for a chain that already exists, like `cometbft init` followed
/// by copying the chain's genesis.json and setting persistent_peers. The validator key is
/// either fresh or an existing key (a keyring key that has staked, say), so an operator who
/// registered a validator with `ratify tx stake` can run the node that signs for it.
public enum NodeHomeInitializer {
    public struct Options: Sendable {
        public var home: String
        public var genesisFile: String
        public var moniker: String
        public var peers: [PeerAddress] = []
        public var host = "127.0.0.1"
        public var basePort: UInt16 = 26656
        /// nil: a fresh key is generated.
        public var validatorKey: KeyPair? = nil
        /// `[statesync]` for the new home (`ratify init --state-sync-from`); nil leaves it off.
        public var stateSync: StateSyncConfig? = nil

        public init(home: String, genesisFile: String, moniker: String) {
            self.home = home
            self.genesisFile = genesisFile
            self.moniker = moniker
        }
    }

    /// What the operator needs next: whom to tell (the peer address) and what to stake to
    /// (the validator key), never the secret.
    public struct Initialized: Sendable {
        public var home: NodeHome
        public var genesis: Genesis
        public var config: NodeConfig
        public var validatorKey: PublicKey
        public var nodeID: Address

        /// `nodeid@host:port`, for the other nodes' persistent_peers.
        public var peerAddress: PeerAddress { PeerAddress(nodeID: nodeID, endpoint: config.p2p.listenAddress) }

        /// What `ratify init` prints.
        public var text: String {
            "wrote \(home.root) for chain \(genesis.chainID) (genesis_hash \(genesis.genesisHash.hex))\n"
                + TextTable.keyValue([("node_id", nodeID.hex), ("peer", peerAddress.description),
                                      ("rpc", "http://\(config.rpc.listenAddress)"),
                                      ("validator_address", validatorKey.address.hex), ("validator_pub_key", validatorKey.hex)])
        }

        /// `ratify init --json`.
        public var json: JSONValue {
            .object([
                JSONValue.Member("home", .string(home.root)),
                JSONValue.Member("chain_id", .string(genesis.chainID)),
                JSONValue.Member("genesis_hash", .string(genesis.genesisHash.hex)),
                JSONValue.Member("node_id", .string(nodeID.hex)),
                JSONValue.Member("peer", .string(peerAddress.description)),
                JSONValue.Member("rpc", .string("http://\(config.rpc.listenAddress)")),
                JSONValue.Member("validator_address", .string(validatorKey.address.hex)),
                JSONValue.Member("validator_pub_key", .string(validatorKey.hex)),
            ])
        }
    }

    public enum InitError: Error, Equatable, Sendable, CustomStringConvertible {
        case option(TestnetGenerator.OptionError)
        case genesis(FileFormatError)
        case homeExists(path: String)
        case unwritable(FileSystemError)

        public var description: String {
            switch self {
            case .option(let error): error.description
            case .genesis(let error): error.description
            case .homeExists(let path):
                "--home: \(path) already exists; `ratify init` never overwrites a home (its keys); choose another directory or remove it"
            case .unwritable(let error): error.description
            }
        }
    }

    /// Checks the options and the genesis, then writes the home. Nothing is written when a
    /// check fails, and an existing home is never touched.
    public static func initialize(_ options: Options) throws(InitError) -> Initialized {
        guard options.basePort > 0, options.basePort <= NodeConfig.basePortMax else {
            throw .option(.init(option: "--base-port", reason: "expected 1 to \(NodeConfig.basePortMax) (the node listens on BASE to BASE+\(NodeConfig.basePortSpan)), got \(options.basePort)"))
        }
        guard case .success = HostPort.parse("\(options.host):1") else {
            throw .option(.init(option: "--host", reason: "expected a host name or IP address, got \"\(options.host)\""))
        }
        var config = NodeConfig(moniker: options.moniker, host: options.host, basePort: options.basePort)
        config.p2p.persistentPeers = options.peers
        if let stateSync = options.stateSync { config.stateSync = stateSync }
        do {
            try config.validate(file: "--moniker")
        } catch {
            throw .option(.init(option: "--moniker", reason: error.reason))
        }
        let genesis: Genesis
        do { genesis = try GenesisFile.load(options.genesisFile) } catch { throw .genesis(error) }

        let home = NodeHome(options.home)
        guard !FileIO.exists(home.configDirectory), !FileIO.exists(home.dataDirectory) else {
            throw .homeExists(path: options.home)
        }
        let validatorKey = options.validatorKey ?? KeyPair.generate()
        let nodeKey = KeyPair.generate()
        do {
            try FileIO.createDirectory(options.home, mode: 0o755)
            try home.write(config: config, genesis: genesis, validatorKey: validatorKey, nodeKey: nodeKey)
        } catch {
            throw .unwritable(error)
        }
        return Initialized(home: home, genesis: genesis, config: config,
                           validatorKey: validatorKey.publicKey, nodeID: nodeKey.publicKey.address)
    }
}
