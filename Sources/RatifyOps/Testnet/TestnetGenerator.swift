import RatifyNode
import RatifyCore

/// Builds a local testnet: one genesis and N node homes that dial each other, as
/// `ratify testnet` writes them. `plan` is pure (keys come from a seed or are passed in
/// through `KeySource`), `write` only puts the plan on disk, so tests check the plan itself.
///
/// Ports: a node uses `basePort + 10*k`, laid out by `NodeConfig(moniker:host:basePort:)` (+0 p2p
/// TCP, +1 RPC, +2 UDP votes, +4 Prometheus), where k counts the nodes before it on the same
/// host: on one host node i gets `basePort + 10*i`, so node0 on base 26656 gets CometBFT's
/// familiar 26656/26657/26660; with one host per node (`hosts`) every node gets the base ports
/// on its own address.
public enum TestnetGenerator {
    public static let validatorsMax = 100
    static let portsPerNode = 10

    /// A local PoW testnet's difficulty (docs/POW.md, "Difficulty of the local testnet"):
    /// `1e007000` asks for about 38 million hashes per block, 1.5 s for four miners sharing
    /// two cores in a release build; ASERT (half-life two minutes) follows from there, and the
    /// genesis bits are also the easiest it may go.
    public static let localnetPoW: PoWParams = {
        var pow = PoWParams()
        pow.initialBits = 0x1e00_7000
        pow.targetBlockMillis = 1_500
        pow.asertHalfLifeSeconds = 120
        return pow
    }()

    /// A hybrid localnet's `pow.epoch_length`: a checkpoint every 4 blocks, so checkpoints
    /// finalize within a minute at `localnetPoW`'s block rate.
    public static let localnetHybridEpochLength: UInt64 = 4

    public struct Options: Sendable {
        public var validatorCount: Int
        public var chainID = "ratify-localnet"
        public var mode = ChainMode.pos
        public var basePort: UInt16 = 26656
        public var host = "127.0.0.1"
        /// One host per node, in node order, for validators on separate machines: each node
        /// listens on (and is dialled at) its own host. Nil: every node on `host`.
        public var hosts: [String]? = nil
        public var genesisTime: GenesisTime
        /// Deterministic keys for reproducible checked-in files. Development only: anyone
        /// who knows the seed knows every key.
        public var seed: [UInt8]? = nil
        public var stakePerValidator: UInt64 = 100_000_000
        public var balancePerAccount: UInt64 = 1_000_000_000_000
        /// The empty-block interval. Shorter than a production chain's, so an idle local
        /// testnet still shows a block a second.
        public var heartbeatMillis: UInt64 = 1_000
        /// The `pow` section of a `pow` or `hybrid` chain: `localnetPoW` unless set (a hybrid
        /// chain's `epoch_length` is `hybridEpochLength`).
        public var pow = TestnetGenerator.localnetPoW
        /// Blocks per checkpoint epoch of a `hybrid` chain. Set here rather than by each caller,
        /// so every hybrid testnet (`ratify testnet`, the benchmarks' localnets) gets the same.
        public var hybridEpochLength = TestnetGenerator.localnetHybridEpochLength

        public init(validatorCount: Int, genesisTime: GenesisTime) {
            self.validatorCount = validatorCount
            self.genesisTime = genesisTime
        }
    }

    /// One node of the plan.
    public struct Node: Sendable {
        public var name: String
        public var config: NodeConfig
        public var validatorKey: KeyPair
        public var nodeKey: KeyPair
        public var nodeID: Address { nodeKey.publicKey.address }
    }

    public struct Plan: Sendable {
        public var genesis: Genesis
        public var nodes: [Node]

        /// What `ratify testnet` prints after writing the plan to `directory`.
        public func text(directory: String) -> String {
            "wrote \(directory)/genesis.json and \(nodes.count) node homes; \(GenesisFile.summary(genesis))"
        }

        /// `ratify testnet --json`: the genesis summary, its file, and each node's home,
        /// identity and listeners (as `ratify init --json` names them).
        public func json(directory: String) -> JSONValue {
            let homes = nodes.map { node in
                JSONValue.object([
                    JSONValue.Member("name", .string(node.name)),
                    JSONValue.Member("home", .string(directory + "/" + node.name)),
                    JSONValue.Member("node_id", .string(node.nodeID.hex)),
                    JSONValue.Member("peer", .string(PeerAddress(nodeID: node.nodeID, endpoint: node.config.p2p.listenAddress).description)),
                    JSONValue.Member("rpc", .string("http://\(node.config.rpc.listenAddress)")),
                    JSONValue.Member("validator_address", .string(node.validatorKey.publicKey.address.hex)),
                    JSONValue.Member("validator_pub_key", .string(node.validatorKey.publicKey.hex)),
                ])
            }
            return .object([
                JSONValue.Member("genesis_file", .string(directory + "/genesis.json")),
                JSONValue.Member("genesis", GenesisFile.summaryJSON(genesis)),
                JSONValue.Member("nodes", .array(homes)),
            ])
        }
    }

    /// A bad option, named as on the command line: `--base-port: ...`.
    public struct OptionError: Error, Equatable, Sendable, CustomStringConvertible {
        public var option: String
        public var reason: String
        public var description: String { "\(option): \(reason)" }
    }

    public static func plan(_ options: Options) throws(OptionError) -> Plan {
        let count = options.validatorCount
        guard count >= 1, count <= validatorsMax else {
            throw OptionError(option: "--validators", reason: "expected 1 to \(validatorsMax), got \(count)")
        }
        let hosts = try nodeHosts(options)
        // Each node's slot on its host: how many nodes before it share that host.
        var slots: [Int] = []
        var nodesPerHost: [String: Int] = [:]
        for host in hosts {
            slots.append(nodesPerHost[host, default: 0])
            nodesPerHost[host, default: 0] += 1
        }
        let nodesOnBusiestHost = nodesPerHost.values.max() ?? 1
        let lastBase = Int(options.basePort) + portsPerNode * (nodesOnBusiestHost - 1)
        guard options.basePort > 0, lastBase <= Int(NodeConfig.basePortMax) else {
            throw OptionError(option: "--base-port", reason: "\(options.basePort) leaves no room for \(nodesOnBusiestHost) nodes of \(portsPerNode) ports each on one host; use at most \(Int(NodeConfig.basePortMax) - portsPerNode * (nodesOnBusiestHost - 1))")
        }
        if let problem = Genesis.chainIDProblem(options.chainID) {
            throw OptionError(option: "--chain-id", reason: problem)
        }
        if let seed = options.seed, seed.count != 32 {
            throw OptionError(option: "--seed", reason: "expected 32 bytes (64 hex digits), got \(seed.count)")
        }

        var nodes: [Node] = []
        var genesis = Genesis(chainID: options.chainID, genesisTime: options.genesisTime)
        genesis.consensus.heartbeatMillis = options.heartbeatMillis
        genesis.mode = options.mode
        if options.mode != .pos { genesis.pow = options.pow }
        if options.mode == .hybrid {
            guard options.hybridEpochLength > 0 else { throw OptionError(option: "--epoch-length", reason: "must be positive") }
            genesis.pow.epochLength = options.hybridEpochLength
        }
        for index in 0..<count {
            let validatorKey = key(options.seed, role: "validator", index: index)
            let nodeKey = key(options.seed, role: "node", index: index)
            let base = options.basePort + UInt16(portsPerNode * slots[index])  // in range: checked above
            let config = NodeConfig(moniker: "node\(index)", host: hosts[index], basePort: base)
            nodes.append(Node(name: "node\(index)", config: config, validatorKey: validatorKey, nodeKey: nodeKey))
            genesis.validators.append(GenesisValidator(name: "node\(index)", publicKey: validatorKey.publicKey, stake: options.stakePerValidator))
            genesis.accounts.append(GenesisAccount(address: validatorKey.publicKey.address, balance: options.balancePerAccount))
        }
        // Everyone dials everyone else: a full mesh is what a 4-to-10-node localnet wants.
        for index in nodes.indices {
            nodes[index].config.p2p.persistentPeers = nodes.enumerated().compactMap { other, node in
                other == index ? nil : PeerAddress(nodeID: node.nodeID, endpoint: node.config.p2p.listenAddress)
            }
        }
        do {
            try genesis.validate(file: "generated genesis")
        } catch {
            throw OptionError(option: "testnet", reason: error.description)
        }
        return Plan(genesis: genesis, nodes: nodes)
    }

    /// The host of each node: `hosts` (one per node) or `host` for all, each a valid host.
    static func nodeHosts(_ options: Options) throws(OptionError) -> [String] {
        guard let hosts = options.hosts else {
            guard case .success = HostPort.parse("\(options.host):1") else {
                throw OptionError(option: "--host", reason: "expected a host name or IP address, got \"\(options.host)\"")
            }
            return Array(repeating: options.host, count: options.validatorCount)
        }
        guard hosts.count == options.validatorCount else {
            throw OptionError(option: "--hosts", reason: "expected one host per validator (\(options.validatorCount)), got \(hosts.count)")
        }
        for host in hosts {
            guard case .success = HostPort.parse("\(host):1") else {
                throw OptionError(option: "--hosts", reason: "expected host names or IP addresses, got \"\(host)\"")
            }
        }
        return hosts
    }

    /// Writes `DIR/genesis.json` and `DIR/node0` ... `DIR/node{N-1}`. Refuses to write into
    /// an existing node home, so keys are never overwritten.
    public static func write(_ plan: Plan, to directory: String) throws(FileSystemError) {
        for node in plan.nodes where FileIO.exists(directory + "/" + node.name) {
            throw FileSystemError(path: directory + "/" + node.name, operation: "cannot create",
                                  reason: "already exists; choose an empty --output directory or remove it")
        }
        try FileIO.createDirectory(directory, mode: 0o755)
        try GenesisFile.write(plan.genesis, to: directory + "/genesis.json")
        for node in plan.nodes {
            try NodeHome(directory + "/" + node.name).write(
                config: node.config, genesis: plan.genesis, validatorKey: node.validatorKey, nodeKey: node.nodeKey)
        }
    }

    /// A fresh random key, or with a seed SHA-256(tag, seed, role, index) as the key seed.
    static func key(_ seed: [UInt8]?, role: String, index: Int) -> KeyPair {
        guard let seed else { return KeyPair.generate() }
        var writer = ByteWriter()
        writer.writeString("ratify/testnet-key/v1")
        writer.writeBytes(seed)
        writer.writeString(role)
        writer.write(UInt32(truncatingIfNeeded: index))
        return KeyPair(seed: Hash.sha256(writer.bytes).bytes) ?? KeyPair.generate()
    }
}
