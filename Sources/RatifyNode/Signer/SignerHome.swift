import RatifyCore
import RatifyNet

/// A remote signer's home directory (`ratify signer init/start --home`):
///
///     HOME/config/signer.toml          chain id, listener, the node ids it serves (SignerConfig)
///     HOME/config/validator_key.json   the validator's consensus key (0600)
///     HOME/config/signer_key.json      the link identity; signer id = its address (0600)
///     HOME/data/                       LMDB: the signer state (the double-sign guard)
public struct SignerHome: Sendable {
    public let root: String

    public init(_ root: String) { self.root = root }

    public var configDirectory: String { root + "/config" }
    public var dataDirectory: String { root + "/data" }
    public var configFile: String { configDirectory + "/signer.toml" }
    public var validatorKeyFile: String { configDirectory + "/validator_key.json" }
    public var signerKeyFile: String { configDirectory + "/signer_key.json" }

    /// Writes a new home; refuses one that already has key files.
    public func write(config: SignerConfig, validatorKey: KeyPair, signerKey: KeyPair) throws(FileSystemError) {
        try FileIO.createDirectory(configDirectory)
        try FileIO.createDirectory(dataDirectory)
        try KeyFile.write(validatorKey, to: validatorKeyFile)
        try KeyFile.write(signerKey, to: signerKeyFile)
        try FileIO.write(configFile, Array(config.tomlText.utf8), mode: 0o644, exclusive: false)
    }

    public func loadConfig() throws(FileFormatError) -> SignerConfig {
        let bytes = try FileIO.read(configFile, maxBytes: NodeConfig.fileBytesMax)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileFormatError(file: configFile, location: "", reason: "not valid UTF-8")
        }
        return try SignerConfig(toml: text, file: configFile)
    }

    public func loadValidatorKey() throws(FileFormatError) -> KeyPair { try KeyFile.read(from: validatorKeyFile) }
    public func loadSignerKey() throws(FileFormatError) -> KeyPair { try KeyFile.read(from: signerKeyFile) }

    /// The genesis-hash slot of the signer's store holds this, so that the store refuses to
    /// open for another chain id (a signer has no genesis file).
    public static func storeTag(chainID: String) -> Hash { Hash.sha256(Array("ratify/signer-store/v1/\(chainID)".utf8)) }
}

/// `config/signer.toml` of a signer home.
public struct SignerConfig: Hashable, Sendable {
    /// The chain this signer signs for; requests for another chain are refused.
    public var chainID: String
    /// Where it listens for its nodes (`tcp://HOST:PORT`).
    public var listenAddress: HostPort
    /// Node ids (node key addresses) allowed to ask for signatures; every other client is refused
    /// after the handshake.
    public var allowedNodeIDs: [NodeID]
    /// A connection must complete its handshake within this many milliseconds.
    public var handshakeTimeoutMillis: UInt64 = 5_000
    /// Connections served at once; more wait in the listen backlog.
    public var connectionsMax: UInt64 = 8

    public init(chainID: String, listenAddress: HostPort, allowedNodeIDs: [NodeID]) {
        self.chainID = chainID
        self.listenAddress = listenAddress
        self.allowedNodeIDs = allowedNodeIDs
    }

    static let keys = ["chain_id", "listen_address", "allowed_node_ids", "handshake_timeout_ms", "connections_max"]

    public init(toml text: String, file: String = "signer.toml") throws(FileFormatError) {
        guard text.utf8.count <= NodeConfig.fileBytesMax else {
            throw FileFormatError(file: file, location: "", reason: "larger than \(NodeConfig.fileBytesMax) bytes; this is not a config file")
        }
        let root = try TOMLSection(try TOMLSection.parse(text, file: file), file: file, path: "", keys: Self.keys)
        guard let chainID = try root.string("chain_id"), !chainID.isEmpty, chainID.utf8.count <= CodecLimits.chainIDBytesMax else {
            throw root.failure("chain_id", "expected the chain id (1 to \(CodecLimits.chainIDBytesMax) bytes)")
        }
        guard let listen = try root.address("listen_address", { HostPort.parse($0, scheme: "tcp") }) else {
            throw root.failure("listen_address", "expected tcp://HOST:PORT")
        }
        let allowed = try root.address("allowed_node_ids", PeerAddress.parseNodeIDList) ?? []
        guard !allowed.isEmpty else {
            throw root.failure("allowed_node_ids", "expected at least one node id (the node key address of each node it serves)")
        }
        self.init(chainID: chainID, listenAddress: listen, allowedNodeIDs: allowed)
        if let value = try root.uint64("handshake_timeout_ms") {
            guard value >= 1 else { throw root.failure("handshake_timeout_ms", "expected at least 1, got 0") }
            handshakeTimeoutMillis = value
        }
        if let value = try root.uint64("connections_max") {
            guard value >= 1 else { throw root.failure("connections_max", "expected at least 1, got 0") }
            connectionsMax = value
        }
    }

    public var tomlText: String {
        """
        # Ratify remote signer configuration. Reference: docs/SIGNER.md.

        # The chain this signer signs for; requests for any other chain are refused.
        chain_id = \(JSONWriter.quoted(chainID))
        # Where the nodes connect ([priv_validator] laddr in their config.toml).
        listen_address = "tcp://\(listenAddress)"
        # Comma-separated node ids (the address of each node's node_key.json) allowed to ask for
        # signatures; any other client is refused after the handshake.
        allowed_node_ids = "\(allowedNodeIDs.map(\.hex).joined(separator: ","))"
        # Milliseconds a connection has to complete its handshake.
        handshake_timeout_ms = \(handshakeTimeoutMillis)
        # Connections served at once.
        connections_max = \(connectionsMax)

        """
    }
}
