import RatifyCore

/// Where the CLI finds a node's RPC: `http://HOST:PORT`, `tcp://HOST:PORT` (as config.toml
/// writes `[rpc] listen_address`) or plain `HOST:PORT`. HTTPS is not served by the node.
public struct NodeURL: Sendable, Equatable, CustomStringConvertible {
    public static let defaultText = "http://127.0.0.1:26657"

    public var endpoint: HostPort

    public init(endpoint: HostPort) {
        self.endpoint = endpoint
    }

    public static func parse(_ text: String) throws(ClientError) -> NodeURL {
        var rest = text
        if rest.hasPrefix("https://") {
            throw .argument(option: "--node", reason: "the node's RPC is plain HTTP; use http://HOST:PORT, got \"\(text)\"")
        }
        for scheme in ["http://", "tcp://"] where rest.hasPrefix(scheme) {
            rest = String(rest.dropFirst(scheme.count))
        }
        if rest.hasSuffix("/") { rest = String(rest.dropLast()) }
        switch HostPort.parse(rest) {
        case .success(let endpoint): return NodeURL(endpoint: endpoint)
        case .failure(let problem):
            throw .argument(option: "--node", reason: "expected http://HOST:PORT like \(defaultText): \(problem.reason)")
        }
    }

    public var description: String { "http://\(endpoint)" }
}
