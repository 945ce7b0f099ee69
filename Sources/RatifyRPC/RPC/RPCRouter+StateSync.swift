import Dispatch
import RatifyCore
import RatifyNode
import RatifyStore
import Synchronization

/// What a node joining by state sync asks (docs/STATESYNC.md): `/light_block` (a height's
/// block, commit and validator set as canonical bytes in hex, for the light-client checks),
/// `/snapshots` and `/snapshot_chunk`.
extension RPCRouter {
    func lightBlock(_ request: HTTPRequest) async -> HTTPResponse {
        guard let block = queries.block, let commit = queries.commit, let validators = queries.validators else {
            return Self.notWired("light blocks")
        }
        let height: Height
        do { height = try await self.height(request) } catch { return error.response }
        guard let found = await block(height), let signed = await commit(height), let set = await validators(height) else {
            return await unknown("light block", height: height)
        }
        return .json(Self.lightBlockJSON(height: height, block: found, commit: signed, validators: set))
    }

    /// Up to `count` (at most `lightBlocksPerRequestMax`) consecutive light blocks from `from`,
    /// ending early at the first height this node lacks or past `lightBlocksBytesMax` of hex, so a
    /// light client verifies a long stretch in few round trips. An empty list: none at `from`.
    func lightBlocks(_ request: HTTPRequest) async -> HTTPResponse {
        guard let block = queries.block, let commit = queries.commit, let validators = queries.validators else {
            return Self.notWired("light blocks")
        }
        guard let fromText = request.query["from"], let from = UInt64(fromText), from > 0 else {
            return .error(.badRequest, "light_blocks takes from (a height, 1 or more) and count (1 to \(Self.lightBlocksPerRequestMax))")
        }
        let count = request.query["count"].flatMap { UInt64($0) } ?? UInt64(Self.lightBlocksPerRequestMax)
        guard (1...UInt64(Self.lightBlocksPerRequestMax)).contains(count) else {
            return .error(.badRequest, "count must be 1 to \(Self.lightBlocksPerRequestMax)")
        }
        var items: [JSONValue] = []
        var bytes = 0
        var height = from
        while UInt64(items.count) < count, bytes < Self.lightBlocksBytesMax,
              let found = await block(height), let signed = await commit(height), let set = await validators(height) {
            let item = Self.lightBlockJSON(height: height, block: found, commit: signed, validators: set)
            bytes += found.canonicalBytes.count * 2
            items.append(item)
            guard height < UInt64.max else { break }
            height += 1
        }
        return .json(.object([.init("light_blocks", .array(items))]))
    }

    static let lightBlocksPerRequestMax = 100
    /// Blocks of hex per `/light_blocks` answer before it ends early (the client reads 40 MiB).
    static let lightBlocksBytesMax = 8 * 1024 * 1024

    static func lightBlockJSON(height: Height, block: Block, commit: Commit, validators: ValidatorSet) -> JSONValue {
        .object([
            .init("height", RPCJSON.number(height)),
            .init("block", .string(Hex.encode(block.canonicalBytes))),
            .init("commit", .string(Hex.encode(commit.canonicalBytes))),
            .init("validators", .string(Hex.encode(validators.canonicalBytes))),
        ])
    }

    func snapshots() async -> HTTPResponse {
        guard let snapshots = queries.snapshots else { return Self.notWired("snapshots") }
        return .json(.object([.init("snapshots", .array(await snapshots().map(\.json)))]))
    }

    /// The chunk's bytes in hex; at most `snapshotChunksPerSecond` a
    /// second (bursts of as many) for the whole node, beyond which 429.
    func snapshotChunk(_ request: HTTPRequest) async -> HTTPResponse {
        guard let chunk = queries.snapshotChunk else { return Self.notWired("snapshot chunks") }
        guard let heightText = request.query["height"], let height = UInt64(heightText),
              let indexText = request.query["index"], let index = Int(indexText), index >= 0 else {
            return .error(.badRequest, "snapshot_chunk takes height (a snapshot's height) and index (0 or more), both integers")
        }
        guard chunkRequests.take() else {
            return .error(.tooManyRequests, "snapshot chunks are served at most \(Int(ChunkRequestLimiter.perSecond)) a second; retry shortly")
        }
        do {
            guard let bytes = try await chunk(height, index) else {
                return .error(.notFound, "no chunk \(index) of a snapshot at height \(height); see GET /snapshots")
            }
            return .json(.object([
                .init("height", RPCJSON.number(height)), .init("index", RPCJSON.number(index)),
                .init("chunk", .string(Hex.encode(bytes))),
            ]))
        } catch {
            return .error(.internalServerError, "snapshot \(height) chunk \(index) cannot be served: \(error)")
        }
    }
}

/// A token bucket over every `/snapshot_chunk` request this node serves: restoring peers share
/// it, so serving snapshots cannot take more than a bounded share of the node's disk and CPU.
final class ChunkRequestLimiter: Sendable {
    static let perSecond = 64.0
    private let state = Mutex((tokens: ChunkRequestLimiter.perSecond, lastNanos: DispatchTime.now().uptimeNanoseconds))

    func take() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        return state.withLock { bucket in
            let refill = Double(now &- bucket.lastNanos) / 1e9 * Self.perSecond
            bucket.tokens = min(Self.perSecond, bucket.tokens + refill)
            bucket.lastNanos = now
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }
}
