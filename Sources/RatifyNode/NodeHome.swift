import RatifyCore

/// A node's home directory, laid out as CometBFT's:
///
///     HOME/config/config.toml         per-node settings (NodeConfig)
///     HOME/config/genesis.json        the chain's genesis (identical on every node)
///     HOME/config/validator_key.json  consensus signing key (0600)
///     HOME/config/node_key.json       p2p identity key; node id = its address (0600)
///     HOME/data/                      LMDB environment (blocks, state, WAL, signer state)
public struct NodeHome: Sendable {
    public let root: String

    public init(_ root: String) { self.root = root }

    public var configDirectory: String { root + "/config" }
    public var dataDirectory: String { root + "/data" }
    public var configFile: String { configDirectory + "/config.toml" }
    public var genesisFile: String { configDirectory + "/genesis.json" }
    public var validatorKeyFile: String { configDirectory + "/validator_key.json" }
    public var nodeKeyFile: String { configDirectory + "/node_key.json" }

    /// Writes a complete home. Refuses to touch a home that already has key files.
    public func write(config: NodeConfig, genesis: Genesis, validatorKey: KeyPair, nodeKey: KeyPair) throws(FileSystemError) {
        try FileIO.createDirectory(configDirectory)
        try FileIO.createDirectory(dataDirectory)
        try KeyFile.write(validatorKey, to: validatorKeyFile)
        try KeyFile.write(nodeKey, to: nodeKeyFile)
        try FileIO.write(configFile, Array(config.tomlText.utf8), mode: 0o644, exclusive: false)
        try GenesisFile.write(genesis, to: genesisFile)
    }

    public func loadConfig() throws(FileFormatError) -> NodeConfig {
        let bytes = try FileIO.read(configFile, maxBytes: NodeConfig.fileBytesMax)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileFormatError(file: configFile, location: "", reason: "not valid UTF-8")
        }
        return try NodeConfig(toml: text, file: configFile)
    }

    public func loadGenesis() throws(FileFormatError) -> Genesis { try GenesisFile.load(genesisFile) }
    public func loadValidatorKey() throws(FileFormatError) -> KeyPair { try KeyFile.read(from: validatorKeyFile) }
    public func loadNodeKey() throws(FileFormatError) -> KeyPair { try KeyFile.read(from: nodeKeyFile) }
}
