import RatifyNode
import NIOHTTP1
import RatifyCore

/// `GET /tx/HASH`, `POST /tx[?wait=final|?dry_run=true]` and `POST /txs`.
extension RPCRouter {
    func transaction(_ text: String) async -> HTTPResponse {
        guard let transaction = queries.transaction else { return Self.notWired("transaction lookup") }
        guard let hash = Hash(hex: text) else {
            return .error(.badRequest, "transaction hash must be 64 hex digits (32 bytes), got \(JSONWriter.quoted(String(text.prefix(80))))")
        }
        guard let location = await transaction(hash) else {
            // The index of pruned heights is gone too, so an old transaction looks like an unknown one.
            if let status = queries.status, case let facts = await status(), facts.earliestHeight > 1 {
                return .error(.notFound, "transaction \(hash.hex) is not in a block this node keeps (heights \(facts.earliestHeight) to \(facts.latestHeight); lower ones are pruned by [storage] retain_blocks) and may still be pending",
                              extra: [JSONValue.Member("earliest_height", RPCJSON.number(facts.earliestHeight))])
            }
            return .error(.notFound, "transaction \(hash.hex) is not in a committed block (it may still be pending)")
        }
        return .json(RPCJSON.location(location))
    }

    /// What a `POST /tx` asks for.
    enum SubmitMode { case dryRun, admit, waitFinal }

    /// The mode its `dry_run` and `wait` parameters ask for, or the 400 for asking wrongly.
    static func submitMode(_ request: HTTPRequest) throws(RPCFailure) -> SubmitMode {
        switch request.query["dry_run"] {
        case nil, "", "false": break
        case "true": return .dryRun
        case let other?:
            throw RPCFailure(.error(.badRequest, "dry_run must be \"true\", \"false\" or absent, got \(JSONWriter.quoted(String(other.prefix(40))))"))
        }
        switch request.query["wait"] {
        case nil, "": return .admit
        case "final": return .waitFinal
        case let other?:
            throw RPCFailure(.error(.badRequest, "wait must be \"final\" or absent, got \(JSONWriter.quoted(String(other.prefix(40))))"))
        }
    }

    /// The answer to a request that needs no waiting, made on the calling thread: a submission
    /// without `wait` or `dry_run` (the mempool admits it there). Nil for every other request,
    /// which `handle` answers. The HTTP server asks this first, on the connection's event loop,
    /// so the commonest write of a busy node costs no hand-off to a task and back.
    public func answerNow(_ request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .POST else { return nil }
        switch Route(path: request.path) {
        case .submit? where (try? Self.submitMode(request)) == .admit: return admit(request)
        case .submitBatch?: return admitBatch(request)
        default: return nil
        }
    }

    func submit(_ request: HTTPRequest) async -> HTTPResponse {
        let mode: SubmitMode
        do {
            mode = try Self.submitMode(request)
        } catch {
            return error.response
        }
        switch mode {
        case .dryRun: return await dryRun(request)
        case .admit: return admit(request)
        case .waitFinal: return await submitWaitingFinal(request)
        }
    }

    /// The node's submission and the request's transaction, or the answer saying why not.
    func submission(_ request: HTTPRequest) throws(RPCFailure) -> (submit: NodeQueries.Submit, bytes: [UInt8]) {
        guard let submit = queries.submit else { throw RPCFailure(Self.notWired("transaction submission (mempool)")) }
        switch TransactionBody.decode(request.body, contentType: request.headers.first(name: "content-type")) {
        case .success(let bytes): return (submit, bytes)
        case .failure(let error): throw RPCFailure(.error(.badRequest, error.description))
        }
    }

    /// `POST /tx`: admitted or refused now.
    func admit(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let (submit, bytes) = try submission(request)
            switch submit(bytes) {
            case .success(let hash): return .json(.object([.init("hash", RPCJSON.hex(hash)), .init("code", .number("0"))]))
            case .failure(let error): return Self.rejection(error)
            }
        } catch {
            return error.response
        }
    }

    /// The most transactions one `POST /txs` takes. All are admitted on the event loop that read
    /// the request, so this bounds how long one request holds it: 256 signature checks, about
    /// 12 ms here.
    public static let batchCountMax = 256

    /// `POST /txs`: each transaction admitted or refused now, in the order given, exactly as
    /// that many `POST /tx`s in that order would be. 200 with one result per transaction, in
    /// order: `{"hash", "code": 0}` or the refusal `POST /tx` would have answered, its HTTP
    /// status in `status`. A body that cannot be read is refused whole (400, nothing admitted).
    func admitBatch(_ request: HTTPRequest) -> HTTPResponse {
        guard let submit = queries.submit else { return Self.notWired("transaction submission (mempool)") }
        if let name = request.query.keys.sorted().first {
            return .error(.badRequest, "POST /txs takes no parameters (wait and dry_run are POST /tx's), got \(JSONWriter.quoted(String(name.prefix(40))))")
        }
        let transactions: [[UInt8]]
        switch TransactionBody.decodeBatch(request.body, countMax: Self.batchCountMax) {
        case .success(let decoded): transactions = decoded
        case .failure(let error): return .error(.badRequest, error.description)
        }
        var admitted = 0
        let results: [JSONValue] = transactions.map { bytes in
            switch submit(bytes) {
            case .success(let hash):
                admitted += 1
                return .object([.init("hash", RPCJSON.hex(hash)), .init("code", .number("0"))])
            case .failure(let error):
                return .object([.init("error", .object([.init("code", .number(String(error.code))), .init("message", .string(error.description))])),
                                .init("status", .number(String(Self.rejectionStatus(error).code)))])
            }
        }
        return .json(.object([.init("admitted", RPCJSON.number(admitted)),
                              .init("refused", RPCJSON.number(transactions.count - admitted)),
                              .init("results", .array(results))]))
    }

    /// `POST /tx?wait=final`: admitted, then answered once final (or 504 after `finalTimeout`).
    func submitWaitingFinal(_ request: HTTPRequest) async -> HTTPResponse {
        let submission: (submit: NodeQueries.Submit, bytes: [UInt8])
        do {
            submission = try self.submission(request)
        } catch {
            return error.response
        }
        let (submit, bytes) = submission
        guard let waiters = queries.waiters else { return Self.notWired("waiting for finality (wait=final)") }
        let started = ContinuousClock.now
        // Registered before submitting: a block that finalizes the transaction at once is not missed.
        let ticket: TransactionWaiters.Ticket
        do {
            ticket = try waiters.register(Hash.sha256(bytes))
        } catch {
            return .error(.serviceUnavailable, error.description)
        }
        if case .failure(let error) = submit(bytes) {
            waiters.cancel(ticket)
            return Self.rejection(error)
        }
        guard let location = await waiters.wait(ticket, timeout: finalTimeout) else {
            let millis = finalTimeout.components.seconds * 1000 + finalTimeout.components.attoseconds / 1_000_000_000_000_000
            return .error(.gatewayTimeout,
                          "transaction \(ticket.hash.hex) was accepted but is not final after \(millis) ms; query /tx/\(ticket.hash.hex) later",
                          extra: [.init("hash", RPCJSON.hex(ticket.hash))])
        }
        let elapsed = ContinuousClock.now - started
        let latencyMillis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return .json(RPCJSON.location(location, latencyMillis: latencyMillis))
    }

    /// `POST /tx?dry_run=true`: the answer a submission would get, admitting nothing; when the
    /// mempool would admit it, `tx_result` is the ledger's verdict on its payload (code 0: it
    /// would succeed in a block as the chain stands; else the code and log it would fail with).
    func dryRun(_ request: HTTPRequest) async -> HTTPResponse {
        guard let check = queries.checkTransaction else { return Self.notWired("transaction dry run (mempool)") }
        if let wait = request.query["wait"], !wait.isEmpty {
            return .error(.badRequest, "dry_run=true submits nothing, so it cannot wait; drop wait=\(JSONWriter.quoted(String(wait.prefix(40))))")
        }
        let bytes: [UInt8]
        switch TransactionBody.decode(request.body, contentType: request.headers.first(name: "content-type")) {
        case .success(let decoded): bytes = decoded
        case .failure(let error): return .error(.badRequest, error.description)
        }
        switch await check(bytes) {
        case .failure(let error):
            return Self.rejection(error)
        case .success(let verdict):
            let result: [JSONValue.Member] = [.init("code", .number(String(verdict.payloadError?.code ?? 0))),
                                              .init("log", .string(verdict.payloadError?.description ?? ""))]
            return .json(.object([.init("hash", RPCJSON.hex(verdict.hash)), .init("code", .number("0")),
                                  .init("would_admit", .bool(true)), .init("tx_result", .object(result))]))
        }
    }

    /// 400 for an invalid transaction, 409 for one already pending, 413 for one too large,
    /// 429 when the pool or the sender's share is full (retry later). The code and message are
    /// the mempool's or the ledger's.
    static func rejection(_ error: MempoolError) -> HTTPResponse {
        .error(rejectionStatus(error), error.description, code: error.code)
    }

    static func rejectionStatus(_ error: MempoolError) -> HTTPResponseStatus {
        switch error {
        case .duplicate: .conflict
        case .tooLarge, .batchTooLarge: .payloadTooLarge
        case .full, .senderFull: .tooManyRequests
        case .malformed, .rejected: .badRequest
        }
    }
}
