import RatifyNode
import NIOHTTP1
import RatifyCore

/// Maps RPC requests to `NodeQueries` and their answers to JSON (docs/RPC.md). Never traps:
/// bad input gets a 4xx JSON error, unwired queries 503.
public struct RPCRouter: Sendable {
    public var queries: NodeQueries
    /// How long `POST /tx?wait=final` waits before answering 504.
    public var finalTimeout: Duration
    public var eventStream: EventStreamSettings
    /// `GET /health` answers 503 when the latest block is older than this.
    public var healthMaxBlockAgeMillis: UInt64
    /// Shared by every `/snapshot_chunk` request (copies of the router share it).
    let chunkRequests = ChunkRequestLimiter()

    public init(queries: NodeQueries, finalTimeout: Duration = .seconds(10), eventStream: EventStreamSettings = EventStreamSettings(),
                healthMaxBlockAgeMillis: UInt64 = 60_000) {
        self.queries = queries
        self.finalTimeout = finalTimeout
        self.eventStream = eventStream
        self.healthMaxBlockAgeMillis = healthMaxBlockAgeMillis
    }

    /// The paths and the one method each accepts, for 404 versus 405.
    enum Route {
        case health, status, netInfo, events, block, commit, validators, validator(String), account(String), transaction(String), submit, submitBatch
        case lightBlock, lightBlocks, snapshots, snapshotChunk

        init?(path: String) {
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            switch trimmed {
            case "/health": self = .health
            case "/status": self = .status
            case "/net_info": self = .netInfo
            case "/events": self = .events
            case "/block": self = .block
            case "/commit": self = .commit
            case "/validators": self = .validators
            case "/tx": self = .submit
            case "/txs": self = .submitBatch
            case "/light_block": self = .lightBlock
            case "/light_blocks": self = .lightBlocks
            case "/snapshots": self = .snapshots
            case "/snapshot_chunk": self = .snapshotChunk
            default:
                if trimmed.hasPrefix("/account/") {
                    self = .account(String(trimmed.dropFirst("/account/".count)))
                } else if trimmed.hasPrefix("/validator/") {
                    self = .validator(String(trimmed.dropFirst("/validator/".count)))
                } else if trimmed.hasPrefix("/tx/") {
                    self = .transaction(String(trimmed.dropFirst("/tx/".count)))
                } else {
                    return nil
                }
            }
        }

        var method: HTTPMethod {
            switch self {
            case .submit, .submitBatch: .POST
            default: .GET
            }
        }
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let route = Route(path: request.path) else {
            return .error(.notFound, "no endpoint \(request.path); see docs/RPC.md for the list")
        }
        guard request.method == route.method else {
            return HTTPResponse.error(.methodNotAllowed, "\(request.path) takes \(route.method.rawValue), not \(request.method.rawValue)",
                                      extra: []).adding(header: ("Allow", route.method.rawValue))
        }
        switch route {
        case .health: return await health()
        case .status: return await status()
        case .netInfo: return await netInfo()
        case .events: return events(request)
        case .block: return await block(request)
        case .commit: return await commit(request)
        case .validators: return await validators(request)
        case .validator(let text): return await validator(text)
        case .account(let text): return await account(text)
        case .transaction(let text): return await transaction(text)
        case .submit: return await submit(request)
        case .submitBatch: return admitBatch(request)
        case .lightBlock: return await lightBlock(request)
        case .lightBlocks: return await lightBlocks(request)
        case .snapshots: return await snapshots()
        case .snapshotChunk: return await snapshotChunk(request)
        }
    }

    static func notWired(_ what: String) -> HTTPResponse {
        .error(.serviceUnavailable, "\(what) is not available on this node yet (not wired to the RPC)")
    }

    /// 200 with the facts a load balancer or alert reads, or 503 with the same facts and an
    /// `error` naming why the node is unhealthy (docs/RPC.md).
    func health() async -> HTTPResponse {
        guard let status = queries.status else { return Self.notWired("health (status)") }
        let facts = await status()
        let body = RPCJSON.health(facts)
        guard let problem = Self.unhealthy(facts, blockAgeMillisMax: healthMaxBlockAgeMillis) else { return .json(.object(body)) }
        return .json(.object(body + [JSONValue.Member("error", .object([
            JSONValue.Member("code", RPCJSON.number(503)), JSONValue.Member("message", .string(problem)),
        ]))]), status: .serviceUnavailable)
    }

    /// Why a node with this status is unhealthy, nil when it is not.
    static func unhealthy(_ status: NodeStatus, blockAgeMillisMax: UInt64) -> String? {
        if status.latestBlockAgeMillis > blockAgeMillisMax {
            let what = status.latestHeight == 0 ? "no block finalized since genesis" : "latest block \(status.latestHeight)"
            return "\(what) is \(status.latestBlockAgeMillis) ms old, over health_max_block_age_ms \(blockAgeMillisMax)"
        }
        if status.peersRequired && status.peerCount == 0 {
            return "no peers connected, and the chain has more than one validator"
        }
        return nil
    }

    // MARK: Heights

    /// The `height` parameter, or the latest height when it is absent.
    func height(_ request: HTTPRequest) async throws(RPCFailure) -> Height {
        if let text = request.query["height"] {
            guard let height = UInt64(text), height > 0 else {
                let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
                throw RPCFailure(.error(.badRequest, "height must be a positive integer, got \(JSONWriter.quoted(shown))"))
            }
            return height
        }
        guard let status = queries.status else { throw RPCFailure(Self.notWired("the latest height (status)")) }
        let latest = await status().latestHeight
        guard latest > 0 else { throw RPCFailure(.error(.notFound, "no block has been committed yet")) }
        return latest
    }

    /// 404 for a height with nothing stored, saying what the latest is when known; 410 Gone for
    /// a height this node has pruned, naming the lowest height it keeps (`earliest_height`).
    func unknown(_ what: String, height: Height) async -> HTTPResponse {
        guard let status = queries.status else { return .error(.notFound, "no \(what) at height \(height)") }
        let facts = await status()
        if height < facts.earliestHeight {
            return .error(.gone, "\(what) at height \(height) is pruned on this node: it keeps heights \(facts.earliestHeight) to \(facts.latestHeight) ([storage] retain_blocks); ask a node that keeps every block",
                          extra: [JSONValue.Member("earliest_height", RPCJSON.number(facts.earliestHeight))])
        }
        return .error(.notFound, "no \(what) at height \(height): the latest height is \(facts.latestHeight)")
    }
}

/// An early answer from a helper (a bad parameter, say), thrown to the endpoint that returns it.
struct RPCFailure: Error {
    let response: HTTPResponse
    init(_ response: HTTPResponse) { self.response = response }
}

extension HTTPResponse {
    func adding(header: (String, String)) -> HTTPResponse {
        var copy = self
        copy.extraHeaders.append(header)
        return copy
    }
}
