import RatifyCore

/// A `ratify query ...` command line as the CLI parsed it, still as text; `run` checks the
/// values, asks the node and renders the answer.
public struct QueryRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case status
        case netInfo
        /// An address or a key name.
        case account(String)
        case unbonding(String)
        case validators(height: String?)
        /// A public key, an address or a key name.
        case validator(String)
        case block(height: String?)
        case transaction(hash: String)
    }

    public var kind: Kind
    public var node: String
    /// `--ca-file` for an `https://` node.
    public var caFile: String?
    public var keyringDirectory: String?

    public init(kind: Kind, node: String = NodeURL.defaultText, caFile: String? = nil, keyringDirectory: String? = nil) {
        self.kind = kind
        self.node = node
        self.caFile = caFile
        self.keyringDirectory = keyringDirectory
    }

    public func run() async throws(ClientError) -> QueryAnswer {
        // Queries read only names and public keys, which no backend encrypts.
        let keyring = Keyring.at(keyringDirectory, backend: .file)
        // Arguments first: a bad one is reported without touching the network.
        let queries = ClientQueries(client: RPCClient(node: try NodeURL.parse(node, caFile: caFile)))
        switch kind {
        case .status:
            return try await queries.status()
        case .netInfo:
            return try await queries.netInfo()
        case .account(let text):
            return try await queries.account(try ClientArguments.address(text, option: "ADDRESS", keyring: keyring))
        case .unbonding(let text):
            return try await queries.unbonding(try ClientArguments.address(text, option: "ADDRESS", keyring: keyring))
        case .validators(let height):
            return try await queries.validators(height: try height.map { text throws(ClientError) in try ClientArguments.height(text) })
        case .validator(let text):
            if PublicKey(hex: text) != nil || Address(hex: text) != nil { return try await queries.validator(text) }
            return try await queries.validator(try ClientArguments.publicKey(text, option: "VALIDATOR", keyring: keyring).hex)
        case .block(let height):
            return try await queries.block(height: try height.map { text throws(ClientError) in try ClientArguments.height(text) })
        case .transaction(let hash):
            return try await queries.transaction(try ClientArguments.hash(hash))
        }
    }
}
