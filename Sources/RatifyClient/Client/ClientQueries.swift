import RatifyCore

/// `ratify query ...`: fetches from a node's RPC (docs/RPC.md) and renders tables. Reading is
/// lenient (a missing field shows as "-"), so a newer node never breaks the client.
public struct ClientQueries: Sendable {
    public let client: RPCClient

    public init(client: RPCClient) {
        self.client = client
    }

    public func status() async throws(ClientError) -> QueryAnswer {
        let json = try await client.get("/status").success()
        let sync = json["sync_info"], node = json["node_info"], validator = json["validator_info"]
        let text = TextTable.keyValue([
            ("chain_id", node?["network"]?.cellText ?? "-"),
            ("node_id", node?["id"]?.cellText ?? "-"),
            ("moniker", node?["moniker"]?.cellText ?? "-"),
            ("latest_height", sync?["latest_block_height"]?.cellText ?? "-"),
            ("latest_block_hash", sync?["latest_block_hash"]?.cellText ?? "-"),
            ("latest_block_time", sync?["latest_block_time"]?.cellText ?? "-"),
            ("latest_app_hash", sync?["latest_app_hash"]?.cellText ?? "-"),
            ("earliest_height", sync?["earliest_block_height"]?.cellText ?? "-"),
            ("validator_address", validator?["address"]?.cellText ?? "-"),
            ("voting_power", validator?["voting_power"]?.cellText ?? "-"),
        ])
        return QueryAnswer(json: json, text: text)
    }

    /// `/net_info`: one row per peer, columns named as the JSON's fields.
    public func netInfo() async throws(ClientError) -> QueryAnswer {
        let json = try await client.get("/net_info").success()
        let peers = json["peers"]?.arrayValue ?? []
        let columns = ["node_id", "direction", "remote_addr", "connected_for_ms", "bytes_sent", "bytes_received", "queued_bytes",
                       "persistent"]
        let rows = peers.map { peer in columns.map { peer[$0]?.cellText ?? "-" } }
        let listeners = (json["listeners"]?.arrayValue ?? []).map(\.cellText)
        let header = "listening on \(listeners.isEmpty ? "-" : listeners.joined(separator: ", ")): \(peers.count) peer(s)"
        return QueryAnswer(json: json, text: header + "\n" + TextTable.render(headers: columns, rows: rows))
    }

    public func account(_ address: Address) async throws(ClientError) -> QueryAnswer {
        let json = try await client.get("/account/\(address.hex)").success()
        var text = TextTable.keyValue([
            ("address", address.hex),
            ("height", json["height"]?.cellText ?? "-"),
            ("balance", json["balance"]?.cellText ?? "-"),
            ("nonce", json["nonce"]?.cellText ?? "-"),
        ])
        let delegations = json["delegations"]?.arrayValue ?? []
        text += "\n\ndelegations:\n" + (delegations.isEmpty ? "(none)" : TextTable.render(
            headers: ["validator", "amount"],
            rows: delegations.map { [$0["validator"]?.cellText ?? "-", $0["amount"]?.cellText ?? "-"] }))
        text += "\n\nunbonding:\n" + Self.unbondingTable(json["unbonding"]?.arrayValue ?? [], height: json["height"]?.uint64Value)
        return QueryAnswer(json: json, text: text)
    }

    /// The account's unbonding entries, with how many blocks each has left.
    public func unbonding(_ address: Address) async throws(ClientError) -> QueryAnswer {
        let account = try await client.get("/account/\(address.hex)").success()
        let entries = account["unbonding"]?.arrayValue ?? []
        let json = JSONValue.object([
            .init("address", .string(address.hex)), .init("height", account["height"] ?? .null), .init("unbonding", .array(entries)),
        ])
        return QueryAnswer(json: json, text: Self.unbondingTable(entries, height: account["height"]?.uint64Value))
    }

    static func unbondingTable(_ entries: [JSONValue], height: UInt64?) -> String {
        guard !entries.isEmpty else { return "(none)" }
        return TextTable.render(headers: ["validator", "amount", "created", "released at", "blocks left"], rows: entries.map { entry in
            let release = entry["release_height"]?.uint64Value
            let left = release.flatMap { release in height.map { release > $0 ? String(release - $0) : "0" } } ?? "-"
            return [entry["validator"]?.cellText ?? "-", entry["amount"]?.cellText ?? "-",
                    entry["creation_height"]?.cellText ?? "-", entry["release_height"]?.cellText ?? "-", left]
        })
    }

    public func validators(height: UInt64?) async throws(ClientError) -> QueryAnswer {
        let json = try await client.get(height.map { "/validators?height=\($0)" } ?? "/validators").success()
        let validators = json["validators"]?.arrayValue ?? []
        let total = json["total_voting_power"]?.uint64Value ?? 0
        let rows = validators.map { validator -> [String] in
            let power = validator["voting_power"]?.uint64Value ?? 0
            let share = total > 0 ? Self.percent(power, of: total) : "-"
            return [validator["name"]?.cellText ?? "-", validator["address"]?.cellText ?? "-",
                    validator["voting_power"]?.cellText ?? "-", share, validator["pub_key"]?.cellText ?? "-"]
        }
        let header = "validator set at height \(json["block_height"]?.cellText ?? "-"): \(validators.count) validator(s), total voting power \(total)"
        let text = header + "\n" + TextTable.render(headers: ["name", "address", "power", "share", "pub_key"], rows: rows)
        return QueryAnswer(json: json, text: text)
    }

    /// `key` is a public key or an address in hex.
    public func validator(_ key: String) async throws(ClientError) -> QueryAnswer {
        let json = try await client.get("/validator/\(key)").success()
        let jailed = json["tombstoned"]?.boolValue == true ? "tombstoned (double sign): can never return"
            : json["jailed"]?.boolValue == true ? "jailed; unjail accepted from height \(json["jailed_until"]?.cellText ?? "-")"
            : "no"
        let text = TextTable.keyValue([
            ("name", json["name"]?.cellText ?? "-"),
            ("address", json["address"]?.cellText ?? "-"),
            ("pub_key", json["pub_key"]?.cellText ?? "-"),
            ("operator", json["operator"]?.cellText ?? "-"),
            ("bonded", json["bonded"]?.cellText ?? "-"),
            ("voting_power", json["voting_power"]?.cellText ?? "-"),
            ("jailed", jailed),
            ("missed_blocks", json["missed_blocks"]?.cellText ?? "-"),
            ("height", json["height"]?.cellText ?? "-"),
        ])
        return QueryAnswer(json: json, text: text)
    }

    public func block(height: UInt64?) async throws(ClientError) -> QueryAnswer {
        let json = try await client.get(height.map { "/block?height=\($0)" } ?? "/block").success()
        let header = json["block"]?["header"]
        let transactions = json["block"]?["data"]?["txs"]?.arrayValue ?? []
        var text = TextTable.keyValue([
            ("height", header?["height"]?.cellText ?? "-"),
            ("hash", json["block_id"]?["hash"]?.cellText ?? "-"),
            ("time", header?["time"]?.cellText ?? "-"),
            ("proposer", header?["proposer_address"]?.cellText ?? "-"),
            ("app_hash", header?["app_hash"]?.cellText ?? "-"),
            ("transactions", String(transactions.count)),
            ("evidence", json["block"]?["evidence"]?["count"]?.cellText ?? "-"),
        ])
        if !transactions.isEmpty {
            text += "\n\n" + TextTable.render(headers: ["hash", "type", "sender", "nonce", "fee", "details"], rows: transactions.map { transaction in
                let payload = transaction["payload"]
                let details: String = switch payload?["type"]?.stringValue {
                case "transfer": "to \(payload?["to"]?.cellText ?? "-") amount \(payload?["amount"]?.cellText ?? "-")"
                case "stake", "unstake": "validator \(Self.short(payload?["validator"]?.cellText)) amount \(payload?["amount"]?.cellText ?? "-")"
                    + (payload?["name"]?.stringValue.flatMap { $0.isEmpty ? nil : " name \($0)" } ?? "")
                case "unjail": "validator \(Self.short(payload?["validator"]?.cellText))"
                case "evidence": "against \(payload?["validator_address"]?.cellText ?? "-") at height \(payload?["height"]?.cellText ?? "-")"
                case "ffg-evidence": "\(payload?["kind"]?.cellText ?? "-") by \(payload?["validator_address"]?.cellText ?? "-") up to epoch \(payload?["target_epoch"]?.cellText ?? "-")"
                default: "-"
                }
                return [Self.short(transaction["hash"]?.cellText), payload?["type"]?.cellText ?? "-", transaction["sender"]?.cellText ?? "-",
                        transaction["nonce"]?.cellText ?? "-", transaction["fee"]?.cellText ?? "-", details]
            })
        }
        return QueryAnswer(json: json, text: text)
    }

    public func transaction(_ hash: Hash) async throws(ClientError) -> QueryAnswer {
        let json = try await client.get("/tx/\(hash.hex)").success()
        let code = json["tx_result"]?["code"]?.intValue
        let result = code == 0 ? "success" : "failed with code \(code.map(String.init) ?? "-"): \(json["tx_result"]?["log"]?.cellText ?? "-") (fee and nonce charged)"
        let text = TextTable.keyValue([
            ("hash", json["hash"]?.cellText ?? "-"),
            ("height", json["height"]?.cellText ?? "-"),
            ("index", json["index"]?.cellText ?? "-"),
            ("result", result),
        ])
        return QueryAnswer(json: json, text: text)
    }

    /// `part` of `whole` as a percentage with two decimals, in integer arithmetic.
    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        let (scaled, overflow) = part.multipliedReportingOverflow(by: 10_000)
        guard !overflow, whole > 0 else { return "-" }
        let hundredths = scaled / whole
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    /// The first 8 and last 4 hex digits of a long hash or key.
    static func short(_ text: String?) -> String {
        guard let text else { return "-" }
        return text.count > 16 ? "\(text.prefix(8))…\(text.suffix(4))" : text
    }
}
