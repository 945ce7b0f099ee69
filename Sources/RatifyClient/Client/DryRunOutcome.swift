import RatifyCore

/// What `ratify tx ... --dry-run` reports: the transaction the mempool would admit, and the
/// ledger's verdict on its payload as the chain stands (code 0: it would succeed). A refusal by
/// the mempool never gets here: it is the same `ClientError.rejected` a submission would get.
public struct DryRunOutcome: Sendable, Equatable {
    public var transaction: Transaction
    /// The ledger's code for the payload (docs/LEDGER.md), 0 when it would succeed.
    public var code: Int
    public var log: String

    public init(transaction: Transaction, code: Int, log: String) {
        self.transaction = transaction
        self.code = code
        self.log = log
    }

    public var wouldSucceed: Bool { code == 0 }

    /// The human-readable report, one `key: value` per line.
    public var text: String {
        let verdict = wouldSucceed
            ? "ok: the node would admit it and it would succeed as the chain stands (nothing was sent)"
            : "the node would admit it, but it would fail in a block with code \(code): \(log); the fee and nonce would be charged (nothing was sent)"
        return TextTable.keyValue([("hash", transaction.hash.hex), ("type", transaction.payload.kindName),
                                   ("chain_id", transaction.chainID), ("nonce", String(transaction.nonce)),
                                   ("fee", String(transaction.fee)), ("verdict", verdict)])
    }

    public var json: JSONValue {
        .object([
            .init("hash", .string(transaction.hash.hex)), .init("type", .string(transaction.payload.kindName)),
            .init("chain_id", .string(transaction.chainID)), .init("nonce", .number(String(transaction.nonce))),
            .init("fee", .string(String(transaction.fee))), .init("would_admit", .bool(true)),
            .init("tx_result", .object([.init("code", .number(String(code))), .init("log", .string(log))])),
        ])
    }
}
