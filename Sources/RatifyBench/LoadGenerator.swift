import Dispatch
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends signed transfers open-loop: send `i` is due at `schedule.intendedNanos(i)` and goes
/// out then (or as soon as a sender is free), never waiting for earlier answers. Each send is
/// `POST /tx?wait=final` on its sender's connection, so its answer is the moment the node it
/// was sent to knows the transaction final (2/3+ precommits for its block, block stored).
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
    }

    let schedule: OpenLoopSchedule
    let senders: [BenchSender]
    let endpoints: [Endpoint]
    let group: EventLoopGroup
    private let outcomes: Mutex<[TransactionOutcome]>
    private let counters = Mutex((progress: Progress(), recent: LatencyRecorder()))
    private let pool: SenderPool
    /// After a send that was refused or got no answer, read the sender's nonce back from its
    /// node before its next send. Off for benchmarks (nodes are healthy there); on for
    /// `ratify chaos`, where a killed node loses its mempool and a lost answer leaves a
    /// transaction's fate unknown.
    let resyncNonces: Bool

    init(schedule: OpenLoopSchedule, senders: [BenchSender], endpoints: [Endpoint], group: EventLoopGroup, resyncNonces: Bool = false) {
        self.resyncNonces = resyncNonces
        self.schedule = schedule
        self.senders = senders
        self.endpoints = endpoints
        self.group = group
        self.pool = SenderPool(count: senders.count)
        outcomes = Mutex((0..<schedule.count).map { TransactionOutcome(intendedNanos: schedule.intendedNanos($0)) })
    }

    static func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Nanoseconds from `start` to now, 0 before `start` (never wraps).
    static func elapsedNanos(since start: UInt64) -> UInt64 {
        let now = nowNanos()
        return now > start ? now - start : 0
    }

    /// Runs the schedule from `startNanos` and waits for every answer; returns the outcomes.
    func run(startNanos: UInt64) async -> [TransactionOutcome] {
        let early = startNanos > Self.nowNanos() ? startNanos - Self.nowNanos() : 0
        if early > 0 { try? await Task.sleep(nanoseconds: early) }
        await withDiscardingTaskGroup { group in
            var next = 0
            while next < schedule.count, !Task.isCancelled {
                let elapsed = Self.elapsedNanos(since: startNanos)
                let due = schedule.due(from: next, elapsedNanos: elapsed)
                if due.isEmpty {
                    try? await Task.sleep(nanoseconds: schedule.nanosUntil(next, elapsedNanos: elapsed))
                    continue
                }
                for index in due {
                    let sender = await pool.acquire()
                    group.addTask { await self.send(index, sender: sender, startNanos: startNanos) }
                }
                counters.withLock { $0.progress.scheduled = due.upperBound }
                next = due.upperBound
            }
        }
        return outcomes.withLock { $0 }
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

    private func send(_ index: Int, sender slot: Int, startNanos: UInt64) async {
        let sender = senders[slot]
        defer { pool.release(slot) }
        if resyncNonces, sender.needsResync,
           let nonce = try? await ChainReader(endpoint: endpoints[sender.node], group: group).nonce(of: sender.key.publicKey.address) {
            sender.reset(nonce: nonce)
            sender.needsResync = false
        }
        let body = sender.nextBody()
        let transactionHash = sender.nextHash()
        let sent = Self.elapsedNanos(since: startNanos)
        counters.withLock { $0.progress.sent += 1 }
        var result: TransactionOutcome.Result
        do {
            let response = try await post(body, from: sender)
            result = Self.classify(response)
        } catch {
            result = .failed("connection: \(error)")
        }
        let answered = Self.elapsedNanos(since: startNanos)
        switch result {
        case .final, .timedOut:
            sender.consumed()
        case .rejected(let reason) where reason.hasPrefix("409"):
            // Already pending (a retried request that had arrived): its nonce is used.
            sender.consumed()
        case .rejected, .failed, .unsent:
            // Not admitted: the same nonce goes out with the sender's next send.
            if resyncNonces { sender.needsResync = true }
        }
        let intended = schedule.intendedNanos(index)
        outcomes.withLock {
            $0[index] = TransactionOutcome(intendedNanos: intended, sentNanos: sent, answeredNanos: answered, result: result,
                                           transactionHash: transactionHash)
        }
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
    /// closed while idle (its read timeout) is replaced once.
    private func post(_ body: [UInt8], from sender: BenchSender) async throws -> HTTPConnection.Response {
        let endpoint = endpoints[sender.node]
        for attempt in 0..<2 {
            let connection: HTTPConnection
            if let open = sender.connection, open.isActive {
                connection = open
            } else {
                sender.connection?.close()
                connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: group)
                sender.connection = connection
            }
            do {
                return try await connection.request(.POST, "/tx?wait=final", body: body)
            } catch is HTTPConnection.Failure where attempt == 0 {
                connection.close()
                sender.connection = nil
            }
        }
        throw HTTPConnection.Failure(description: "connection closed twice")
    }

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
