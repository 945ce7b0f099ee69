import RatifyCore

/// What `ratify tx` shows before it broadcasts, so the person confirming sees exactly what was
/// signed: the chain, the sender (and its key name when known), every payload field, the fee,
/// the nonce and the hash the node will report.
public enum TransactionSummary {
    /// `keyName`: the keyring name the sender was given as (nil for `tx broadcast FILE`).
    public static func text(_ transaction: Transaction, keyName: String?, node: String) -> String {
        let sender = transaction.senderAddress.hex
        var rows: [(String, String)] = [
            ("node", node),
            ("chain_id", transaction.chainID),
            ("from", keyName.map { "\($0) (\(sender))" } ?? sender),
        ]
        // The same payload fields the offline signing file spells out.
        if case .object(let members) = OfflineTransaction.payloadJSON(transaction.payload) {
            rows += members.map { ($0.key, $0.value.cellText) }
        }
        rows += [("fee", String(transaction.fee)), ("nonce", String(transaction.nonce)), ("hash", transaction.hash.hex)]
        return TextTable.keyValue(rows)
    }
}
