import RatifyCore

/// Where the CLI finds a node's RPC: `http://HOST:PORT`, `tcp://HOST:PORT` (as config.toml
/// writes `[rpc] listen_address`), plain `HOST:PORT`, or `https://HOST[:PORT]` for a TLS proxy in
/// front of the node (docs/DEPLOY.md; the node itself serves plain HTTP).
public struct NodeURL: Sendable, Equatable, CustomStringConvertible {
    public static let defaultText = "http://127.0.0.1:26657"
    /// The port of `https://HOST` without one.
    public static let httpsDefaultPort: UInt16 = 443

    public var endpoint: HostPort
    /// nil for plain HTTP; for `https://` the certificates that may sign the server's.
    public var tls: TLSTrust?

    public init(endpoint: HostPort, tls: TLSTrust? = nil) {
        self.endpoint = endpoint
        self.tls = tls
    }

    /// `caFile` (`--ca-file`): trust the CA certificates in this PEM file for an `https://`
    /// node instead of the system's roots; an error for a plain HTTP node, where it would be
    /// silently ignored.
    public static func parse(_ text: String, caFile: String? = nil) throws(ClientError) -> NodeURL {
        var rest = text
        var tls: TLSTrust?
        if rest.hasPrefix("https://") {
            rest = String(rest.dropFirst("https://".count))
            tls = caFile.map { .caFile($0) } ?? .systemRoots
        } else if let caFile {
            throw .argument(option: "--ca-file", reason: "\(caFile) is for https:// nodes; --node \(text) is plain HTTP")
        }
        for scheme in ["http://", "tcp://"] where rest.hasPrefix(scheme) {
            rest = String(rest.dropFirst(scheme.count))
        }
        if rest.hasSuffix("/") { rest = String(rest.dropLast()) }
        if tls != nil && (!rest.contains(":") || rest.hasSuffix("]")) { rest += ":\(httpsDefaultPort)" }
        switch HostPort.parse(rest) {
        case .success(let endpoint): return NodeURL(endpoint: endpoint, tls: tls)
        case .failure(let problem):
            throw .argument(option: "--node", reason: "expected http://HOST:PORT like \(defaultText) or https://HOST[:PORT]: \(problem.reason)")
        }
    }

    public var description: String { "\(tls == nil ? "http" : "https")://\(endpoint)" }
}

/// Which certificate authorities an `https://` node's certificate may chain to.
public enum TLSTrust: Sendable, Equatable {
    /// The operating system's trust store.
    case systemRoots
    /// The CA certificates in a PEM file (`--ca-file`), for a proxy with a private CA.
    case caFile(String)
}
