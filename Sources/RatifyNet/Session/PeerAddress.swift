import RatifyCore

/// A persistent peer as written in config.toml: `nodeid@host:port`, where the node id is the
/// 40-hex-digit address of the peer's node key.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var nodeID: NodeID
    public var host: String
    public var port: Int

    public init(nodeID: NodeID, host: String, port: Int) {
        self.nodeID = nodeID
        self.host = host
        self.port = port
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let input: String
        public let reason: String
        public var description: String { "invalid peer address '\(input)': \(reason) (expected nodeid@host:port)" }
    }

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace
        let parts = trimmed.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ParseError(input: text, reason: "missing '@'") }
        guard parts[0].count == 40, let nodeID = NodeID(hex: parts[0]) else {
            throw ParseError(input: text, reason: "node id must be 40 hex digits")
        }
        let hostPort = parts[1]
        guard let colon = hostPort.lastIndex(of: ":") else { throw ParseError(input: text, reason: "missing ':port'") }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.count <= 253 else { throw ParseError(input: text, reason: "empty or overlong host") }
        guard let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port) else {
            throw ParseError(input: text, reason: "port must be 1-65535")
        }
        self.init(nodeID: nodeID, host: host, port: port)
    }

    /// Parses config.toml's `persistent_peers`: comma-separated, blanks ignored.
    public static func parseList(_ text: String) throws(ParseError) -> [PeerAddress] {
        var peers: [PeerAddress] = []
        for item in text.split(separator: ",") where !String(item).trimmingWhitespace.isEmpty {
            peers.append(try PeerAddress(parsing: String(item)))
        }
        return peers
    }

    public var description: String {
        host.contains(":") ? "\(nodeID.hex)@[\(host)]:\(port)" : "\(nodeID.hex)@\(host):\(port)"
    }
}

extension String {
    var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
