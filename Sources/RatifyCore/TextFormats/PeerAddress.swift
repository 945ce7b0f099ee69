/// A peer to dial, `nodeid@host:port` as in CometBFT: the node id (40 hex digits, the address
/// of the peer's node key) is checked against the key the peer proves in the handshake, so
/// a wrong address can't be impersonated. Config files name peers this way; the peer manager
/// dials them.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var nodeID: Address
    public var endpoint: HostPort

    public init(nodeID: Address, endpoint: HostPort) {
        self.nodeID = nodeID
        self.endpoint = endpoint
    }

    public static func parse(_ text: String) -> Result<PeerAddress, AddressProblem> {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(AddressProblem("expected nodeid@host:port, got \"\(text)\""))
        }
        guard parts[0].utf8.count == 40, let nodeID = Address(hex: parts[0]) else {
            return .failure(AddressProblem("node id in \"\(text)\" must be 40 hex digits (the node key's address), got \(parts[0].utf8.count) characters"))
        }
        return HostPort.parse(String(parts[1])).map { PeerAddress(nodeID: nodeID, endpoint: $0) }
    }

    /// Parses CometBFT's comma-separated list; blanks around entries, and blank entries, are
    /// ignored. Entries are numbered as written, for errors.
    public static func parseList(_ text: String) -> Result<[PeerAddress], AddressProblem> {
        var peers: [PeerAddress] = []
        for (index, entry) in text.split(separator: ",").enumerated() {
            let trimmed = entry.trimmed(of: " \t")
            if trimmed.isEmpty { continue }
            switch parse(trimmed) {
            case .success(let peer): peers.append(peer)
            case .failure(let problem): return .failure(AddressProblem("entry \(index + 1): \(problem.reason)"))
            }
        }
        return .success(peers)
    }

    /// Parses a comma-separated list of node ids (`unconditional_peer_ids` and the like), with
    /// the same blanks and numbering as `parseList`.
    public static func parseNodeIDList(_ text: String) -> Result<[Address], AddressProblem> {
        var ids: [Address] = []
        for (index, entry) in text.split(separator: ",").enumerated() {
            let trimmed = entry.trimmed(of: " \t")
            if trimmed.isEmpty { continue }
            guard trimmed.utf8.count == 40, let id = Address(hex: trimmed) else {
                return .failure(AddressProblem("entry \(index + 1): node id \"\(trimmed)\" must be 40 hex digits (the node key's address), got \(trimmed.utf8.count) characters"))
            }
            ids.append(id)
        }
        return .success(ids)
    }

    public var description: String { "\(nodeID.hex)@\(endpoint)" }
}

extension StringProtocol {
    /// Drops leading and trailing characters in `set` (no Foundation needed).
    func trimmed(of set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
