import RatifyCore

/// Builds, signs and submits one transaction through a node's RPC (`ratify tx ...`):
/// the chain id and the nonce come from the node unless given, the sign bytes are
/// docs/CODEC.md's, and the body of `POST /tx` is the canonical encoding in hex.
public struct TransactionSender: Sendable {
    public let client: RPCClient

    public init(client: RPCClient) {
        self.client = client
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

    /// Submits a signed transaction; with `waitFinal`, a final transaction whose payload failed
    /// is an error (`ClientError.failedInBlock`) carrying the ledger's message.
    public func submit(_ transaction: Transaction, waitFinal: Bool) async throws(ClientError) -> SubmitOutcome {
        let hash = transaction.hash
        let body = Array(Hex.encode(transaction.canonicalBytes).utf8)
        let answer = try await client.post(waitFinal ? "/tx?wait=final" : "/tx", body: body).success()
        guard answer["hash"]?.stringValue == hash.hex else {
            throw .badResponse(node: client.node.description,
                               reason: "the node reports hash \(answer["hash"]?.cellText ?? "none"), this client computed \(hash.hex)")
        }
        var outcome = SubmitOutcome(hash: hash, kind: transaction.payload.kindName, chainID: transaction.chainID,
                                    nonce: transaction.nonce, fee: transaction.fee)
        guard waitFinal else { return outcome }
        guard let height = answer["height"]?.uint64Value, let code = answer["tx_result"]?["code"]?.intValue else {
            throw .badResponse(node: client.node.description, reason: "POST /tx?wait=final answered without height or tx_result.code")
        }
        if code != 0 {
            throw .failedInBlock(code: code, log: answer["tx_result"]?["log"]?.stringValue ?? "", hash: hash.hex, height: height)
        }
        outcome.height = height
        outcome.index = answer["index"]?.uint64Value
        outcome.latencyMillis = answer["latency_ms"]?.uint64Value
        return outcome
    }
}
