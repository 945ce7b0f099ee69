import RatifyCore
import RatifyNode

/// `/net_info`: the p2p listeners and the connected peers, CometBFT-shaped.
extension RPCRouter {
    func netInfo() async -> HTTPResponse {
        guard let netInfo = queries.netInfo else { return Self.notWired("net info") }
        return .json(RPCJSON.netInfo(await netInfo()))
    }
}

extension RPCJSON {
    static func netInfo(_ info: NetInfo) -> JSONValue {
        .object([
            Member("listening", .bool(!info.listeners.isEmpty)),
            Member("listeners", .array(info.listeners.map { .string($0) })),
            Member("n_peers", number(info.peers.count)),
            Member("peers", .array(info.peers.map { peer in
                .object([
                    Member("node_id", .string(peer.nodeID.hex)),
                    Member("direction", .string(peer.outbound ? "outbound" : "inbound")),
                    Member("remote_addr", peer.remoteAddress.map { .string($0) } ?? .null),
                    Member("connected_for_ms", number(peer.connectedForMillis)),
                    Member("bytes_sent", number(peer.bytesSent)),
                    Member("bytes_received", number(peer.bytesReceived)),
                    Member("queued_bytes", number(peer.queuedBytes)),
                    Member("persistent", .bool(peer.persistent)),
                ])
            })),
        ])
    }
}
