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
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if let bytes = Hex.decode(trimmed) { return .success(bytes) }
        if let data = Data(base64Encoded: trimmed) { return .success(Array(data)) }
        return .failure(.notHexOrBase64)
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

    var description: String {
        switch self {
        case .empty: "request body is empty: send the encoded transaction as hex or base64, or {\"tx\": \"...\"}"
        case .notText: "request body is not UTF-8 text: send hex or base64, or raw bytes with Content-Type: application/octet-stream"
        case .json(let reason): "request body is not valid JSON: \(reason)"
        case .missingTx: "request body has no \"tx\" field: send {\"tx\": \"<hex or base64>\"}"
        case .txNotString(let got): "request body field \"tx\" must be a hex or base64 string, got \(got)"
        case .notHexOrBase64: "transaction is neither hex nor base64"
        }
    }
}
