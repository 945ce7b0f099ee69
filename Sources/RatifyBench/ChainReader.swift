import Foundation
import NIOCore
import RatifyCore

/// Reads what the load needs from a node's RPC (docs/RPC.md): status, accounts, and the
/// blocks and commits of the run. Not on the clock: used before and after the timed part.
struct ChainReader: Sendable {
    let endpoint: LoadGenerator.Endpoint
    let group: EventLoopGroup

    func object(_ path: String) async throws -> [String: Any]? {
        let connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: group)
        defer { connection.close() }
        return try await Self.object(path, on: connection)
    }

    static func object(_ path: String, on connection: HTTPConnection) async throws -> [String: Any]? {
        let response = try await connection.request(.GET, path)
        guard response.status == 200 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    }

    func status() async throws -> (chainID: String, height: UInt64) {
        guard let status = try await object("/status"),
              let node = status["node_info"] as? [String: Any], let chainID = node["network"] as? String,
              let sync = status["sync_info"] as? [String: Any], let height = Self.uint64(sync["latest_block_height"]) else {
            throw BenchError("\(endpoint.host):\(endpoint.port)/status: not a Ratify status answer")
        }
        return (chainID, height)
    }

    func nonce(of address: Address) async throws -> UInt64 {
        guard let account = try await object("/account/\(address.hex)"), let nonce = Self.uint64(account["nonce"]) else {
            throw BenchError("\(endpoint.host):\(endpoint.port)/account/\(address.hex): no nonce in the answer")
        }
        return nonce
    }

    /// Blocks `heights`, with the round of each commit, over `connections` connections.
    func blocks(_ heights: ClosedRange<UInt64>, connections: Int = 4) async throws -> [ObservedBlock] {
        guard !heights.isEmpty else { return [] }
        let all = Array(heights)
        let chunk = max(1, (all.count + connections - 1) / connections)
        return try await withThrowingTaskGroup(of: [ObservedBlock].self) { group in
            for start in stride(from: 0, to: all.count, by: chunk) {
                let part = Array(all[start..<min(all.count, start + chunk)])
                group.addTask {
                    let connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: self.group)
                    defer { connection.close() }
                    var found: [ObservedBlock] = []
                    for height in part {
                        guard let answer = try await Self.object("/block?height=\(height)", on: connection),
                              let block = answer["block"] as? [String: Any], let header = block["header"] as? [String: Any],
                              let time = Self.uint64(header["time_ms"]), let data = block["data"] as? [String: Any],
                              let count = Self.uint64(data["num_txs"]) else { continue }
                        var round: UInt32 = 0
                        if let commitAnswer = try await Self.object("/commit?height=\(height)", on: connection),
                           let commit = commitAnswer["commit"] as? [String: Any], let value = Self.uint64(commit["round"]) {
                            round = UInt32(truncatingIfNeeded: value)
                        }
                        found.append(ObservedBlock(height: height, timeMillis: time, transactions: Int(count), round: round))
                    }
                    return found
                }
            }
            var blocks: [ObservedBlock] = []
            for try await part in group { blocks += part }
            return blocks.sorted { $0.height < $1.height }
        }
    }

    static func uint64(_ value: Any?) -> UInt64? {
        switch value {
        case let number as NSNumber: number.uint64Value
        case let text as String: UInt64(text)
        default: nil
        }
    }
}
