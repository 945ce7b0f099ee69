import RatifyCore

/// What `ratify tx` reports: the transaction's hash, and once final (`--wait`) its height,
/// index, the finality latency and how finality was learned.
public struct SubmitOutcome: Sendable, Equatable {
    /// How `--wait` learned that the transaction is final.
    public enum Confirmation: String, Sendable, Equatable {
        /// Its `tx` event on `GET /events?tx=HASH`; latency from this client's `POST /tx` to the event.
        case events
        /// The answer to `POST /tx?wait=final` (a node without `/events`); latency as the node measured it.
        case waitFinal = "wait=final"

        /// Where the text report says finality came from.
        var source: String {
            switch self {
            case .events: "GET /events"
            case .waitFinal: "POST /tx?wait=final"
            }
        }
    }

    public var hash: Hash
    public var kind: String
    public var chainID: String
    public var nonce: UInt64
    public var fee: UInt64
    public var height: UInt64?
    public var index: UInt64?
    public var latencyMillis: UInt64?
    public var confirmedBy: Confirmation?

    public init(hash: Hash, kind: String, chainID: String, nonce: UInt64, fee: UInt64,
                height: UInt64? = nil, index: UInt64? = nil, latencyMillis: UInt64? = nil) {
        self.hash = hash
        self.kind = kind
        self.chainID = chainID
        self.nonce = nonce
        self.fee = fee
        self.height = height
        self.index = index
        self.latencyMillis = latencyMillis
    }

    /// A submitted transaction, not yet known final.
    init(_ transaction: Transaction) {
        self.init(hash: transaction.hash, kind: transaction.payload.kindName, chainID: transaction.chainID,
                  nonce: transaction.nonce, fee: transaction.fee)
    }

    /// The human-readable report, one `key: value` per line.
    public var text: String {
        var rows: [(String, String)] = [("hash", hash.hex), ("type", kind), ("chain_id", chainID), ("nonce", String(nonce)), ("fee", String(fee))]
        if let height {
            rows.append(("height", String(height)))
            if let latencyMillis { rows.append(("latency", "\(latencyMillis) ms")) }
            rows.append(("status", confirmedBy.map { "final (learned from \($0.source))" } ?? "final"))
        } else {
            rows.append(("status", "pending (accepted by the mempool; pass --wait to wait for finality)"))
        }
        return TextTable.keyValue(rows)
    }

    public var json: JSONValue {
        var members: [JSONValue.Member] = [
            .init("hash", .string(hash.hex)), .init("type", .string(kind)), .init("chain_id", .string(chainID)),
            .init("nonce", .number(String(nonce))), .init("fee", .string(String(fee))),
        ]
        members.append(.init("height", height.map { .number(String($0)) } ?? .null))
        members.append(.init("index", index.map { .number(String($0)) } ?? .null))
        members.append(.init("latency_ms", latencyMillis.map { .number(String($0)) } ?? .null))
        members.append(.init("confirmed_by", confirmedBy.map { .string($0.rawValue) } ?? .null))
        return .object(members)
    }
}
