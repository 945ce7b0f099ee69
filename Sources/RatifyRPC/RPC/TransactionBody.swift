import RatifyNode
import Foundation
import RatifyCore

/// Reads the transaction out of a `POST /tx` body: the encoded transaction as hex (optional
/// `0x`) or base64, either bare or as `{"tx": "..."}`; raw bytes with
/// `Content-Type: application/octet-stream`. Hex wins when text is valid as both.
enum TransactionBody {
    static func decode(_ body: [UInt8], contentType: String?) -> Result<[UInt8], TransactionBodyError> {
        if contentType?.lowercased().hasPrefix("application/octet-stream") == true {
            return body.isEmpty ? .failure(.empty) : .success(body)
        }
        // The common body, bare hex, decoded from the bytes: no string, no Foundation trimming.
        if let bytes = bareHex(body) { return .success(bytes) }
        guard let text = String(validating: body, as: UTF8.self) else { return .failure(.notText) }
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(Array(trimmed.utf8), file: "request body")
            } catch {
                return .failure(.json(error.description))
            }
            guard case .object(let members) = value else { return .failure(.json("expected an object")) }
            guard let member = members.first(where: { $0.key == "tx" }) else { return .failure(.missingTx) }
            guard case .string(let encoded) = member.value else { return .failure(.txNotString(member.value.brief)) }
            trimmed = encoded.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return decodeText(trimmed)
    }

    /// One transaction's text, trimmed: hex (optional `0x`), else base64.
    private static func decodeText(_ trimmed: String) -> Result<[UInt8], TransactionBodyError> {
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if let bytes = Hex.decode(trimmed) { return .success(bytes) }
        if let data = Data(base64Encoded: trimmed) { return .success(Array(data)) }
        return .failure(.notHexOrBase64)
    }

    /// Reads the transactions out of a `POST /txs` body, in order: one per line (hex or base64,
    /// blank lines skipped), a JSON array of such strings, or `{"txs": [...]}`. Refused whole
    /// when any item is unreadable (naming the first) or there are more than `countMax`.
    static func decodeBatch(_ body: [UInt8], countMax: Int) -> Result<[[UInt8]], TransactionBodyError> {
        guard let first = body.firstIndex(where: { !isASCIISpace($0) }) else { return .failure(.empty) }
        let items: [Result<[UInt8], TransactionBodyError>]
        if body[first] == UInt8(ascii: "[") || body[first] == UInt8(ascii: "{") {
            switch jsonItems(body, countMax: countMax) {
            case .success(let decoded): items = decoded
            case .failure(let error): return .failure(error)
            }
        } else {
            var lines: [ArraySlice<UInt8>] = []
            for line in body.split(separator: UInt8(ascii: "\n")) where line.contains(where: { !isASCIISpace($0) }) {
                guard lines.count < countMax else { return .failure(.tooMany(countMax: countMax)) }
                lines.append(line)
            }
            // The common line, bare hex, from the bytes; anything else (base64) by the text path.
            items = lines.map { line in
                if let bytes = bareHex(Array(line)) { return .success(bytes) }
                guard let text = String(validating: line, as: UTF8.self) else { return .failure(.notText) }
                return decodeText(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        var transactions: [[UInt8]] = []
        transactions.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .success(let bytes): transactions.append(bytes)
            case .failure(let error): return .failure(.item(index: index, error.description))
            }
        }
        return .success(transactions)
    }

    /// The items of a JSON batch: an array of strings, or an object whose `txs` is one.
    private static func jsonItems(_ body: [UInt8], countMax: Int) -> Result<[Result<[UInt8], TransactionBodyError>], TransactionBodyError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body, file: "request body")
        } catch {
            return .failure(.json(error.description))
        }
        let list: [JSONValue]
        switch value {
        case .array(let elements):
            list = elements
        case .object(let members):
            guard let member = members.first(where: { $0.key == "txs" }) else { return .failure(.missingTxs) }
            guard case .array(let elements) = member.value else { return .failure(.txsNotArray(member.value.brief)) }
            list = elements
        default:
            return .failure(.json("expected an array or an object"))
        }
        guard list.count <= countMax else { return .failure(.tooMany(countMax: countMax)) }
        guard !list.isEmpty else { return .failure(.empty) }
        return .success(list.map { element in
            guard case .string(let text) = element else { return .failure(.itemNotString(element.brief)) }
            return decodeText(text.trimmingCharacters(in: .whitespacesAndNewlines))
        })
    }

    /// The body as hex between ASCII white space, or nil for anything else (which the general
    /// path then reads, with the same result it would have had).
    static func bareHex(_ body: [UInt8]) -> [UInt8]? {
        var first = body.startIndex, end = body.endIndex
        while first < end, isASCIISpace(body[first]) { first += 1 }
        while end > first, isASCIISpace(body[end - 1]) { end -= 1 }
        guard first < end else { return nil }
        return Hex.decode(utf8: body[first..<end])
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

enum TransactionBodyError: Error, Equatable, CustomStringConvertible {
    case empty, notText, json(String), missingTx, txNotString(String), notHexOrBase64
    /// `POST /txs` only.
    case missingTxs, txsNotArray(String), itemNotString(String), tooMany(countMax: Int), item(index: Int, String)

    var description: String {
        switch self {
        case .empty: "request body is empty: send the encoded transaction as hex or base64, or {\"tx\": \"...\"}"
        case .notText: "request body is not UTF-8 text: send hex or base64, or raw bytes with Content-Type: application/octet-stream"
        case .json(let reason): "request body is not valid JSON: \(reason)"
        case .missingTx: "request body has no \"tx\" field: send {\"tx\": \"<hex or base64>\"}"
        case .txNotString(let got): "request body field \"tx\" must be a hex or base64 string, got \(got)"
        case .notHexOrBase64: "transaction is neither hex nor base64"
        case .missingTxs: "request body has no \"txs\" field: send {\"txs\": [\"<hex or base64>\", ...]}, a JSON array, or one transaction per line"
        case .txsNotArray(let got): "request body field \"txs\" must be an array of hex or base64 strings, got \(got)"
        case .itemNotString(let got): "expected a hex or base64 string, got \(got)"
        case .tooMany(let countMax): "a batch takes at most \(countMax) transactions; split it"
        case .item(let index, let reason): "transaction \(index) (from 0): \(reason)"
        }
    }
}
