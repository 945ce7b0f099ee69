import RatifyCore
import Synchronization

/// Builds, signs and submits one transaction through a node's RPC (`ratify tx ...`):
/// the chain id and the nonce come from the node unless given, the sign bytes are
/// docs/CODEC.md's, and the body of `POST /tx` is the canonical encoding in hex.
public struct TransactionSender: Sendable {
    public let client: RPCClient
    /// How long `submit` with `waitFinal` waits for the transaction to be final, subscribing
    /// and submitting included.
    public var finalityTimeout: Duration

    public init(client: RPCClient, finalityTimeout: Duration = .seconds(30)) {
        self.client = client
        self.finalityTimeout = finalityTimeout
    }

    /// The transaction signed, ready for `submit` or `dryRun`.
    public func signed(_ payload: TransactionPayload, from key: KeyPair, options: TransactionOptions) async throws(ClientError) -> Transaction {
        var transaction = try await unsigned(payload, sender: key.publicKey, options: options)
        transaction.signature = key.sign(transaction.signBytes)
        return transaction
    }

    /// The transaction before its signature (`--generate-only`): the node is asked only for
    /// what the options leave out, so with `--chain-id`, `--nonce` and `--fee` no network is used.
    public func unsigned(_ payload: TransactionPayload, sender: PublicKey, options: TransactionOptions) async throws(ClientError) -> Transaction {
        // The node's status gives what was not given: the chain id and the chain's minimum fee.
        let nodeInfo = options.chainID != nil && options.fee != nil ? nil : try await client.get("/status").success()["node_info"]
        let chainID: String
        if let given = options.chainID {
            chainID = given
        } else {
            guard let network = nodeInfo?["network"]?.stringValue else {
                throw .badResponse(node: client.node.description, reason: "/status has no node_info.network (the chain id)")
            }
            chainID = network
        }
        // A node that does not report min_fee gets the genesis default.
        let fee = options.fee ?? nodeInfo?["min_fee"]?.uint64Value ?? TransactionOptions.feeDefault
        let nonce: UInt64
        if let given = options.nonce {
            nonce = given
        } else {
            let account = try await client.get("/account/\(sender.address.hex)").success()
            guard let next = account["nonce"]?.uint64Value else {
                throw .badResponse(node: client.node.description, reason: "/account has no nonce")
            }
            nonce = next
        }
        return Transaction(chainID: chainID, sender: sender, nonce: nonce, fee: fee, payload: payload)
    }

    /// `POST /tx?dry_run=true`: what the node would do with the transaction, which it does not
    /// admit. A refusal is `ClientError.rejected` with the node's code and message, as for `submit`.
    public func dryRun(_ transaction: Transaction) async throws(ClientError) -> DryRunOutcome {
        let body = Array(Hex.encode(transaction.canonicalBytes).utf8)
        let answer = try await client.post("/tx?dry_run=true", body: body).success()
        guard answer["hash"]?.stringValue == transaction.hash.hex else {
            throw .badResponse(node: client.node.description,
                               reason: "the node reports hash \(answer["hash"]?.cellText ?? "none"), this client computed \(transaction.hash.hex)")
        }
        guard answer["would_admit"] == .bool(true), let code = answer["tx_result"]?["code"]?.intValue else {
            throw .badResponse(node: client.node.description, reason: "POST /tx?dry_run=true answered without would_admit or tx_result.code")
        }
        return DryRunOutcome(transaction: transaction, code: code, log: answer["tx_result"]?["log"]?.stringValue ?? "")
    }

    /// Submits a signed transaction; with `waitFinal`, waits until it is final and reports
    /// where. A final transaction whose payload failed is an error (`ClientError.failedInBlock`)
    /// carrying the ledger's message.
    ///
    /// Finality is learned from `GET /events?tx=HASH`, subscribed before the `POST /tx` so the
    /// event cannot be missed; a node without the event stream (404, an older node) or not
    /// serving it now (503) is asked `POST /tx?wait=final` instead.
    public func submit(_ transaction: Transaction, waitFinal: Bool) async throws(ClientError) -> SubmitOutcome {
        guard waitFinal else {
            try await admit(transaction)
            return SubmitOutcome(transaction)
        }
        if let outcome = try await submitFollowingEvents(transaction) { return outcome }
        return try await submitWaitingFinal(transaction)
    }

    /// `POST /tx`: the node admitted the transaction to its mempool.
    private func admit(_ transaction: Transaction) async throws(ClientError) {
        let answer = try await client.post("/tx", body: Array(Hex.encode(transaction.canonicalBytes).utf8)).success()
        try checkHash(answer, of: transaction)
    }

    private func checkHash(_ answer: JSONValue, of transaction: Transaction) throws(ClientError) {
        guard answer["hash"]?.stringValue == transaction.hash.hex else {
            throw .badResponse(node: client.node.description,
                               reason: "the node reports hash \(answer["hash"]?.cellText ?? "none"), this client computed \(transaction.hash.hex)")
        }
    }

    /// How a wait on the event stream ended.
    private enum EventWait: Sendable {
        case final(TransactionLocation, latencyMillis: UInt64)
        /// The node has no event stream to offer: ask it with `wait=final`.
        case noEventStream
        case timedOut
    }

    /// Where a final transaction is and how it went, from its `tx` event.
    struct TransactionLocation: Sendable, Equatable {
        var height: UInt64
        var index: UInt64?
        var code: Int
        var log: String
    }

    /// Subscribes to the transaction's event, submits it once subscribed, and waits up to
    /// `finalityTimeout` for the event; nil when the node has no event stream.
    private func submitFollowingEvents(_ transaction: Transaction) async throws(ClientError) -> SubmitOutcome? {
        let hash = transaction.hash
        let submittedAt = SubmissionTime()
        let wait: EventWait
        do {
            wait = try await withThrowingTaskGroup(of: EventWait.self) { group in
                group.addTask {
                    do {
                        let location = try await client.followEvents("/events?tx=\(hash.hex)", subscribed: {
                            submittedAt.mark()
                            try await admit(transaction)
                        }, handle: { event throws(ClientError) in try transactionLocation(event, hash: hash) })
                        let elapsed = submittedAt.elapsed ?? .zero
                        return .final(location, latencyMillis: UInt64(max(0, elapsed / .milliseconds(1)).rounded()))
                    } catch let refused as RPCClient.EventStreamRefused where refused.status == 404 || refused.status == 503 {
                        return .noEventStream
                    } catch let refused as RPCClient.EventStreamRefused {
                        throw ClientError.rejected(status: refused.status, code: refused.status, message: refused.message)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: finalityTimeout)
                    return .timedOut
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { return .timedOut }
                return first
            }
        } catch let error as ClientError {
            throw error
        } catch {
            let reason = RPCClient.describe(error)
            guard submittedAt.elapsed != nil else { throw .unreachable(node: client.node.description, reason: reason) }
            throw .badResponse(node: client.node.description,
                               reason: "the event stream failed after transaction \(hash.hex) was submitted (\(reason)); look it up with `ratify query tx \(hash.hex)`")
        }
        switch wait {
        case .noEventStream:
            return nil
        case .timedOut:
            guard submittedAt.elapsed != nil else {
                throw .timedOut(node: client.node.description, seconds: Int(finalityTimeout.components.seconds))
            }
            throw .notFinal(hash: hash.hex, seconds: Int(finalityTimeout.components.seconds))
        case .final(let location, let latencyMillis):
            if location.code != 0 {
                throw .failedInBlock(code: location.code, log: location.log, hash: hash.hex, height: location.height)
            }
            var outcome = SubmitOutcome(transaction)
            outcome.height = location.height
            outcome.index = location.index
            outcome.latencyMillis = latencyMillis
            outcome.confirmedBy = .events
            return outcome
        }
    }

    /// The location in a `tx` event for `hash`; nil for any other event; an `end` event (the
    /// node cut the stream off or is shutting down) is an error.
    func transactionLocation(_ event: ServerSentEvent, hash: Hash) throws(ClientError) -> TransactionLocation? {
        let data: JSONValue
        do { data = try JSONParser.parse(Array(event.data.utf8), file: "\(client.node)/events") } catch {
            throw .badResponse(node: client.node.description, reason: "a \(event.name) event whose data is not JSON (\(error.reason))")
        }
        switch event.name {
        case "tx":
            guard data["hash"]?.stringValue == hash.hex else { return nil }
            guard let height = data["height"]?.uint64Value, let code = data["tx_result"]?["code"]?.intValue else {
                throw .badResponse(node: client.node.description, reason: "a tx event without height or tx_result.code: \(event.data.prefix(200))")
            }
            return TransactionLocation(height: height, index: data["index"]?.uint64Value, code: code,
                                       log: data["tx_result"]?["log"]?.stringValue ?? "")
        case "end":
            let reason = data["reason"]?.stringValue ?? "no reason given"
            throw .badResponse(node: client.node.description,
                               reason: "the node ended the event stream before transaction \(hash.hex) was final (\(reason)); look it up with `ratify query tx \(hash.hex)`")
        default:
            return nil
        }
    }

    /// `POST /tx?wait=final`, for a node without the event stream: it answers once the
    /// transaction is final, or 504 after its own timeout.
    private func submitWaitingFinal(_ transaction: Transaction) async throws(ClientError) -> SubmitOutcome {
        let body = Array(Hex.encode(transaction.canonicalBytes).utf8)
        let answer = try await client.post("/tx?wait=final", body: body).success()
        try checkHash(answer, of: transaction)
        guard let height = answer["height"]?.uint64Value, let code = answer["tx_result"]?["code"]?.intValue else {
            throw .badResponse(node: client.node.description, reason: "POST /tx?wait=final answered without height or tx_result.code")
        }
        if code != 0 {
            throw .failedInBlock(code: code, log: answer["tx_result"]?["log"]?.stringValue ?? "", hash: transaction.hash.hex, height: height)
        }
        var outcome = SubmitOutcome(transaction)
        outcome.height = height
        outcome.index = answer["index"]?.uint64Value
        outcome.latencyMillis = answer["latency_ms"]?.uint64Value
        outcome.confirmedBy = .waitFinal
        return outcome
    }
}

/// When a waited-for transaction was posted, shared between the task that posts it and the
/// one that reports the outcome; nil until then.
private final class SubmissionTime: Sendable {
    private let instant = Mutex<ContinuousClock.Instant?>(nil)

    func mark() { instant.withLock { $0 = .now } }

    /// Time since `mark`, or nil if nothing was posted.
    var elapsed: Duration? { instant.withLock { $0.map { ContinuousClock.now - $0 } } }
}
