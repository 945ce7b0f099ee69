import Dispatch
import NIOCore
import NIOHTTP1
import RatifyCore
import RatifyNode
import Synchronization

/// Sends signed transfers open-loop: send `i` is due at `schedule.intendedNanos(i)` and goes
/// out then (or as soon as a sender is free), never waiting for earlier answers. How each
/// transaction's finality is learned is the `confirmation`:
///
/// - `events`: each send is a plain `POST /tx` on its sender's keep-alive connection, answered
///   on admission; one `GET /events?types=tx` stream per node, subscribed before the first
///   send, delivers the moment that node knows each transaction final (2/3+ precommits for its
///   block, block stored). After the last send, transactions get `drainNanos` to be seen final.
/// - `wait`: each send is `POST /tx?wait=final`, held open until the node answers final (or
///   504 after its own timeout), so a sender is busy for the whole of a transaction's life.
///
/// With a batch window (`events` only), sends are gathered instead: the window opens at the
/// first due send and closes `batchWindowNanos` later, and what is due by then leaves as one
/// `POST /txs` per node, on the connection of one of its senders, as a gateway that submits for
/// many accounts would. Latency still counts from each send's own intended time.
final class LoadGenerator: Sendable {
    struct Endpoint: Sendable {
        var host: String
        var port: Int
    }

    /// Counters for the progress line, and a histogram of the last second's latencies.
    struct Progress: Sendable {
        var elapsedSeconds = 0.0
        var scheduled = 0
        var sent = 0
        var final = 0
        var failed = 0
        var inFlight: Int { sent - final - failed }
        var recent = LatencySummary.empty
        /// Event streams the nodes ended during the run: "node1: too slow: ...".
        var streamsEnded: [String] = []
    }

    /// A send waiting for its transaction's event: which schedule entry, sent to which node.
    private struct Awaited {
        var index: Int
        var node: Int
    }

    /// How long transactions admitted by the last send get to be seen final: the node's
    /// default `wait=final` timeout, so both confirmations give a transaction the same chance.
    static let drainNanos: UInt64 = 10_000_000_000

    let schedule: OpenLoopSchedule
    let senders: [BenchSender]
    let endpoints: [Endpoint]
    let group: EventLoopGroup
    let confirmation: FinalityBenchOptions.Confirmation
    private let outcomes: Mutex<[TransactionOutcome]>
    private let counters = Mutex((progress: Progress(), recent: LatencyRecorder()))
    private let pool: SenderPool
    /// Admitted or in-flight transactions not yet seen final (`events` only), by hash.
    private let awaited = Mutex<[Hash: Awaited]>([:])
    /// Why each node's event stream ended, by node index (`events` only).
    private let streamEnds = Mutex<[Int: String]>([:])
    private let streams = Mutex<[TransactionEventStream]>([])
    /// Set once the generator closes its streams itself: their ends are not the node's doing.
    private let streamsClosing = Atomic<Bool>(false)
    /// The schedule's start, for stamping events; set by `run`.
    private let startNanos = Atomic<UInt64>(0)
    /// After a send that was refused or got no answer, read the sender's nonce back from its
    /// node before its next send. Off for benchmarks (nodes are healthy there); on for
    /// `ratify chaos`, where a killed node loses its mempool and a lost answer leaves a
    /// transaction's fate unknown.
    let resyncNonces: Bool
    /// How long a batch gathers sends; 0 sends each transaction as its own `POST /tx`.
    let batchWindowNanos: UInt64
    /// The most transactions one `POST /txs` takes (the node's `RPCRouter.batchCountMax`).
    static let batchCountMax = 256

    init(schedule: OpenLoopSchedule, senders: [BenchSender], endpoints: [Endpoint], group: EventLoopGroup,
         confirmation: FinalityBenchOptions.Confirmation, resyncNonces: Bool = false, batchWindowNanos: UInt64 = 0) {
        self.resyncNonces = resyncNonces
        self.batchWindowNanos = confirmation == .events ? batchWindowNanos : 0
        self.schedule = schedule
        self.senders = senders
        self.endpoints = endpoints
        self.group = group
        self.confirmation = confirmation
        self.pool = SenderPool(count: senders.count)
        outcomes = Mutex((0..<schedule.count).map { TransactionOutcome(intendedNanos: schedule.intendedNanos($0)) })
    }

    static func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Nanoseconds from `start` to now, 0 before `start` (never wraps).
    static func elapsedNanos(since start: UInt64) -> UInt64 {
        let now = nowNanos()
        return now > start ? now - start : 0
    }

    /// With `events`: subscribes to every node a sender submits to, before anything is sent, for
    /// the transactions of the senders that submit there (all transactions when they are more
    /// than one subscription may name, or the node does not take `account=`). A node that
    /// refuses (an older node without `/events`) is an error naming `--confirm wait`. True when
    /// every stream is narrowed to its senders' accounts.
    @discardableResult
    func subscribe() async throws -> Bool {
        guard confirmation == .events else { return false }
        var byAccount = true
        for node in Set(senders.map(\.node)).sorted() {
            let endpoint = endpoints[node]
            let accounts = senders.filter { $0.node == node }.map(\.key.publicKey.address)
            let open = { [self] (accounts: [Address]) in
                try await TransactionEventStream.open(
                    host: endpoint.host, port: endpoint.port, group: group, accounts: accounts,
                    onFinal: { [self] hash, height in confirmed(hash, height: height, node: node) },
                    onEnd: { [self] reason in streamEnded(node: node, reason: reason) })
            }
            do {
                let stream: TransactionEventStream
                if accounts.count <= NodeEvents.Filter.accountsMax, let filtered = try? await open(accounts) {
                    stream = filtered
                } else {
                    stream = try await open([])
                    byAccount = false
                }
                streams.withLock { $0.append(stream) }
            } catch {
                closeStreams()
                throw BenchError("cannot follow finality on node\(node) (\(endpoint.host):\(endpoint.port)) with GET /events: \(error); an older node without /events needs --confirm wait")
            }
        }
        return byAccount
    }

    /// Runs the schedule from `startNanos` and waits for every answer (and, with `events`, for
    /// the admitted transactions to be seen final, up to `drainNanos`); returns the outcomes.
    func run(startNanos: UInt64) async -> [TransactionOutcome] {
        self.startNanos.store(startNanos, ordering: .releasing)
        let early = startNanos > Self.nowNanos() ? startNanos - Self.nowNanos() : 0
        if early > 0 { try? await Task.sleep(nanoseconds: early) }
        await withDiscardingTaskGroup { group in
            var next = 0
            while next < schedule.count, !Task.isCancelled {
                let elapsed = Self.elapsedNanos(since: startNanos)
                if batchWindowNanos > 0, case let closes = schedule.intendedNanos(next) + batchWindowNanos, elapsed < closes {
                    try? await Task.sleep(nanoseconds: closes - elapsed)
                    continue
                }
                let due = schedule.due(from: next, elapsedNanos: elapsed)
                if due.isEmpty {
                    try? await Task.sleep(nanoseconds: schedule.nanosUntil(next, elapsedNanos: elapsed))
                    continue
                }
                // A request leaves as soon as it has its senders: one waiting for a sender must
                // not hold senders of its own that only its answer frees.
                var sentThrough = due.upperBound
                if batchWindowNanos > 0 {
                    let (batches, taken) = await gatherBatches(due)
                    for sends in batches where !sendOnOpenConnection(sends, startNanos: startNanos) {
                        group.addTask { await self.send(sends, startNanos: startNanos) }
                    }
                    sentThrough = taken
                } else {
                    for index in due {
                        let sends = [ScheduledSend(index: index, slot: await pool.acquire())]
                        if !sendOnOpenConnection(sends, startNanos: startNanos) {
                            group.addTask { await self.send(sends, startNanos: startNanos) }
                        }
                    }
                }
                counters.withLock { $0.progress.scheduled = sentThrough }
                next = sentThrough
            }
        }
        // The sends made without a task are not the group's: each holds its sender until its
        // answer is recorded, so holding every sender means every answer is in.
        var held: [Int] = []
        for _ in senders { held.append(await pool.acquire()) }
        held.forEach(pool.release)
        if confirmation == .events {
            await drain()
            closeStreams()
        }
        return outcomes.withLock { $0 }
    }

    /// Waits until every admitted transaction was seen final, its node's stream ended, or
    /// `drainNanos` passed; what is still awaited then is not final (`timedOut`), or lost
    /// with its stream (`failed`, naming why the stream ended).
    private func drain() async {
        let deadline = Self.nowNanos() + Self.drainNanos
        while Self.nowNanos() < deadline, !Task.isCancelled {
            let ended = streamEnds.withLock { Set($0.keys) }
            if awaited.withLock({ $0.values.allSatisfy { ended.contains($0.node) } }) { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let left = awaited.withLock { awaited in
            defer { awaited.removeAll() }
            return Array(awaited.values)
        }
        let ends = streamEnds.withLock { $0 }
        outcomes.withLock { outcomes in
            for entry in left {
                if let reason = ends[entry.node] {
                    outcomes[entry.index].result = .failed("not seen final: node\(entry.node)'s /events stream ended (\(reason))")
                }
            }
        }
    }

    private func closeStreams() {
        streamsClosing.store(true, ordering: .releasing)
        let open = streams.withLock { streams in
            defer { streams.removeAll() }
            return streams
        }
        open.forEach { $0.close() }
    }

    /// A `tx` event from `node`: final for the send that awaits it there. Events for
    /// transactions sent to other nodes (every node finalizes every block) are skipped.
    private func confirmed(_ hash: Hash, height: UInt64, node: Int) {
        let at = Self.elapsedNanos(since: startNanos.load(ordering: .acquiring))
        let entry: Awaited? = awaited.withLock { awaited in
            guard let entry = awaited[hash], entry.node == node else { return nil }
            awaited[hash] = nil
            return entry
        }
        guard let entry else { return }
        let intended = outcomes.withLock { outcomes in
            outcomes[entry.index].result = .final(height: height)
            outcomes[entry.index].answeredNanos = at
            return outcomes[entry.index].intendedNanos
        }
        counters.withLock { counters in
            counters.progress.final += 1
            counters.recent.record(millis: Double(at > intended ? at - intended : 0) / 1e6)
        }
    }

    private func streamEnded(node: Int, reason: String) {
        guard !streamsClosing.load(ordering: .acquiring) else { return }
        streamEnds.withLock { $0[node] = reason }
        counters.withLock { $0.progress.streamsEnded.append("node\(node): \(reason)") }
    }

    /// The progress so far; the recent histogram restarts at each call.
    func takeProgress(elapsedSeconds: Double) -> Progress {
        counters.withLock { counters in
            var progress = counters.progress
            progress.elapsedSeconds = elapsedSeconds
            progress.recent = counters.recent.summary
            counters.recent = LatencyRecorder()
            return progress
        }
    }

    /// One schedule entry and the sender that sends it.
    struct ScheduledSend: Sendable {
        var index: Int
        var slot: Int
    }

    /// The first of the due sends, each with a free sender, grouped by the node their senders
    /// submit to and cut to `batchCountMax`, and the schedule index after the last one taken.
    /// Only the first waits for a sender: the rest take what is free, since a sender held here
    /// is freed only once its batch is answered.
    private func gatherBatches(_ due: Range<Int>) async -> (batches: [[ScheduledSend]], sentThrough: Int) {
        var byNode: [Int: [ScheduledSend]] = [:]
        var sentThrough = due.lowerBound
        for index in due {
            guard let slot = index == due.lowerBound ? await pool.acquire() : pool.tryAcquire() else { break }
            byNode[senders[slot].node, default: []].append(ScheduledSend(index: index, slot: slot))
            sentThrough = index + 1
        }
        let batches = byNode.keys.sorted().flatMap { node in
            let sends = byNode[node] ?? []
            return stride(from: 0, to: sends.count, by: Self.batchCountMax).map {
                Array(sends[$0..<min($0 + Self.batchCountMax, sends.count)])
            }
        }
        return (batches, sentThrough)
    }

    /// The request for `begun` sends and how to read its answer, one result per send: a batch
    /// window posts them as `POST /txs`; otherwise there is one, a `POST /tx` answered on
    /// admission with `events`, at finality with `wait`.
    private func request(_ begun: [(body: [UInt8], hash: Hash, sent: UInt64)])
        -> (target: String, body: [UInt8], results: @Sendable (HTTPConnection.Response) -> [TransactionOutcome.Result]) {
        if batchWindowNanos > 0 {
            let count = begun.count
            return ("/txs", Self.batchBody(begun.map(\.body)), { Self.classifyBatch($0, count: count) })
        }
        if confirmation == .events { return ("/tx", begun[0].body, { [Self.classifyAdmission($0)] }) }
        return ("/tx?wait=final", begun[0].body, { [Self.classify($0)] })
    }

    /// The common send, without a task: the first sender's connection is open and every
    /// sender's nonce in step, so the request is written from the schedule's loop the moment it
    /// is due, and its answer is handled on the connection's event loop; a task per send put a
    /// task's start and a thread hop between the due time and the write. False when the sends
    /// need `send`: a connection to open or a nonce to read back first.
    private func sendOnOpenConnection(_ sends: [ScheduledSend], startNanos: UInt64) -> Bool {
        guard let first = sends.first, let connection = senders[first.slot].connection, connection.isActive,
              !(resyncNonces && sends.contains { senders[$0.slot].needsResync }) else { return false }
        let begun = sends.map { begin($0.index, sender: senders[$0.slot], startNanos: startNanos) }
        let (target, body, results) = request(begun)
        connection.start(.POST, target, body: body).whenComplete { [self] outcome in
            switch outcome {
            case .success(let response):
                finish(sends, begun: begun, results: results(response), startNanos: startNanos)
            case .failure(let error) where error is HTTPConnection.Failure:
                // The node closed the idle connection (its read timeout) as the request left:
                // sent once more on a new connection, as `post` does.
                connection.close()
                senders[first.slot].connection = nil
                Task {
                    do {
                        let response = try await post(body, from: senders[first.slot], target: target, attempts: 1)
                        finish(sends, begun: begun, results: results(response), startNanos: startNanos)
                    } catch {
                        finish(sends, begun: begun, failure: error, startNanos: startNanos)
                    }
                }
            case .failure(let error):
                finish(sends, begun: begun, failure: error, startNanos: startNanos)
            }
        }
        return true
    }

    /// A send that may first read its senders' nonces back or open its first sender's connection.
    private func send(_ sends: [ScheduledSend], startNanos: UInt64) async {
        guard let first = sends.first else { return }
        for send in sends {
            let sender = senders[send.slot]
            if resyncNonces, sender.needsResync,
               let nonce = try? await ChainReader(endpoint: endpoints[sender.node], group: group).nonce(of: sender.key.publicKey.address) {
                sender.reset(nonce: nonce)
                sender.needsResync = false
            }
        }
        let begun = sends.map { begin($0.index, sender: senders[$0.slot], startNanos: startNanos) }
        let (target, body, results) = request(begun)
        do {
            finish(sends, begun: begun, results: results(try await post(body, from: senders[first.slot], target: target)), startNanos: startNanos)
        } catch {
            finish(sends, begun: begun, failure: error, startNanos: startNanos)
        }
    }

    private func finish(_ sends: [ScheduledSend], begun: [(body: [UInt8], hash: Hash, sent: UInt64)],
                        results: [TransactionOutcome.Result], startNanos: UInt64) {
        for (position, send) in sends.enumerated() {
            finish(send.index, sender: send.slot, transactionHash: begun[position].hash, sent: begun[position].sent,
                   result: results[position], startNanos: startNanos)
        }
    }

    /// No answer: every send of the request failed with the connection.
    private func finish(_ sends: [ScheduledSend], begun: [(body: [UInt8], hash: Hash, sent: UInt64)], failure: any Error,
                        startNanos: UInt64) {
        finish(sends, begun: begun, results: Array(repeating: .failed("connection: \(failure)"), count: sends.count), startNanos: startNanos)
    }

    /// A `POST /txs` body: the transactions' hex, one per line.
    static func batchBody(_ bodies: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bodies.reduce(0) { $0 + $1.count + 1 })
        for body in bodies {
            out += body
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The answer to a `POST /txs` of `count` transactions, one result each: admitted (`timedOut`
    /// until its event says final) or refused with the status and message `POST /tx` would have
    /// given. A refusal of the whole request refuses each; an answer that cannot be read fails each.
    static func classifyBatch(_ response: HTTPConnection.Response, count: Int) -> [TransactionOutcome.Result] {
        guard response.status == 200 else { return Array(repeating: classify(response), count: count) }
        if jsonUInt64(response.body, key: "refused") == 0, jsonUInt64(response.body, key: "admitted") == UInt64(count) {
            return Array(repeating: .timedOut, count: count)
        }
        let unreadable = Array(repeating: TransactionOutcome.Result.failed("unreadable POST /txs answer: \(response.text.prefix(80))"), count: count)
        guard case .object(let members)? = try? JSONParser.parse(response.body, file: "POST /txs answer"),
              case .array(let results)? = members.first(where: { $0.key == "results" })?.value, results.count == count else {
            return unreadable
        }
        return results.map { result in
            guard case .object(let fields) = result else { return unreadable[0] }
            if fields.contains(where: { $0.key == "hash" }) { return .timedOut }
            let status = fields.first { $0.key == "status" }.flatMap { if case .number(let text) = $0.value { text } else { nil } } ?? "?"
            var message = "?"
            if case .object(let error)? = fields.first(where: { $0.key == "error" })?.value,
               case .string(let text)? = error.first(where: { $0.key == "message" })?.value {
                message = text
            }
            return .rejected("\(status) \(message.prefix(60))")
        }
    }

    /// What a send records before its request leaves: the body, its hash, the time sent.
    private func begin(_ index: Int, sender: BenchSender, startNanos: UInt64) -> (body: [UInt8], hash: Hash, sent: UInt64) {
        let body = sender.nextBody()
        let transactionHash = sender.nextHash()
        // Awaited before it is sent: its event cannot arrive unclaimed.
        if confirmation == .events { awaited.withLock { $0[transactionHash] = Awaited(index: index, node: sender.node) } }
        let sent = Self.elapsedNanos(since: startNanos)
        counters.withLock { $0.progress.sent += 1 }
        return (body, transactionHash, sent)
    }

    /// Records a send's answer and frees its sender for the next send.
    private func finish(_ index: Int, sender slot: Int, transactionHash: Hash, sent: UInt64,
                        result outcome: TransactionOutcome.Result, startNanos: UInt64) {
        let sender = senders[slot]
        defer { pool.release(slot) }
        var result = outcome
        let answered = Self.elapsedNanos(since: startNanos)
        switch result {
        case .final, .timedOut:
            sender.consumed()
        case .rejected(let reason) where reason.hasPrefix("409"):
            // Already pending (a retried request that had arrived): its nonce is used.
            sender.consumed()
            if confirmation == .events { result = .timedOut }
        case .rejected, .failed, .unsent:
            // Not admitted: the same nonce goes out with the sender's next send.
            if resyncNonces { sender.needsResync = true }
            // The same body (and hash) goes out again with a later send, which awaits it then.
            if confirmation == .events { awaited.withLock { if $0[transactionHash]?.index == index { $0[transactionHash] = nil } } }
        }
        let intended = schedule.intendedNanos(index)
        // With `events`, an admitted transaction stays `timedOut` until its event; one whose
        // event came before this answer (the answer was slow) is final already.
        let isFinal = outcomes.withLock { outcomes in
            let finalAlready = if case .final = outcomes[index].result { true } else { false }
            outcomes[index].sentNanos = sent
            outcomes[index].transactionHash = transactionHash
            if !finalAlready {
                outcomes[index].result = result
                outcomes[index].answeredNanos = answered
            }
            return finalAlready
        }
        if isFinal || (confirmation == .events && result == .timedOut) { return }
        counters.withLock { counters in
            if case .final = result {
                counters.progress.final += 1
                counters.recent.record(millis: Double(answered > intended ? answered - intended : 0) / 1e6)
            } else {
                counters.progress.failed += 1
            }
        }
    }

    /// Sends on the sender's connection, opening it first if needed; a connection the node
    /// closed while idle (its read timeout) is replaced, up to `attempts` tries in all.
    private func post(_ body: [UInt8], from sender: BenchSender, target: String, attempts: Int = 2) async throws -> HTTPConnection.Response {
        let endpoint = endpoints[sender.node]
        for attempt in 0..<attempts {
            let connection: HTTPConnection
            if let open = sender.connection, open.isActive {
                connection = open
            } else {
                sender.connection?.close()
                connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: group)
                sender.connection = connection
            }
            do {
                return try await connection.request(.POST, target, body: body)
            } catch is HTTPConnection.Failure where attempt < attempts - 1 {
                connection.close()
                sender.connection = nil
            }
        }
        throw HTTPConnection.Failure(description: "connection closed twice")
    }

    /// The answer to `POST /tx?wait=final`.
    static func classify(_ response: HTTPConnection.Response) -> TransactionOutcome.Result {
        switch response.status {
        case 200:
            return .final(height: jsonUInt64(response.body, key: "height") ?? 0)
        case 504:
            return .timedOut
        default:
            let message = jsonString(response.body, key: "message") ?? response.text
            return .rejected("\(response.status) \(message.prefix(60))")
        }
    }

    /// The answer to a plain `POST /tx`: admitted (`timedOut` until its event says final) or refused.
    static func classifyAdmission(_ response: HTTPConnection.Response) -> TransactionOutcome.Result {
        guard response.status == 200 else { return classify(response) }
        return .timedOut
    }

    /// The number after `"key":` in a small JSON answer, without a full parse.
    static func jsonUInt64(_ body: [UInt8], key: String) -> UInt64? {
        guard let start = valueStart(body, key: key) else { return nil }
        var value: UInt64 = 0
        var index = start, digits = 0
        while index < body.count, body[index] >= 48, body[index] <= 57, digits < 19 {
            value = value * 10 + UInt64(body[index] - 48)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    static func jsonString(_ body: [UInt8], key: String) -> String? {
        guard let start = valueStart(body, key: key), start < body.count, body[start] == UInt8(ascii: "\"") else { return nil }
        guard let end = body[(start + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: body[(start + 1)..<end], as: UTF8.self)
    }

    private static func valueStart(_ body: [UInt8], key: String) -> Int? {
        let needle = Array("\"\(key)\"".utf8)
        guard needle.count <= body.count else { return nil }
        var index = 0
        while index + needle.count <= body.count {
            if body[index] == needle[0], Array(body[index..<(index + needle.count)]) == needle {
                var cursor = index + needle.count
                while cursor < body.count, body[cursor] == UInt8(ascii: " ") || body[cursor] == UInt8(ascii: ":") { cursor += 1 }
                return cursor
            }
            index += 1
        }
        return nil
    }
}
