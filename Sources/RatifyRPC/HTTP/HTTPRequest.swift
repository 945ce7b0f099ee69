import RatifyNode
import Foundation
import NIOHTTP1

/// One complete HTTP request as the router sees it: method, decoded path and query, headers
/// and the whole body (already bounded by `HTTPServerLimits.bodyBytesMax`).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query, percent-decoded: `/account/ab12...`.
    public var path: String
    /// Query parameters, percent-decoded; a repeated name keeps its first value.
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.headers = headers
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts.first.map(String.init) ?? "/"
        path = Self.percentDecoded(rawPath) ?? rawPath
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let rawName = nameValue.first else { continue }
                let name = Self.decodeQueryComponent(rawName)
                let value = nameValue.count > 1 ? Self.decodeQueryComponent(nameValue[1]) : ""
                if query[name] == nil { query[name] = value }
            }
        }
        self.query = query
    }

    private static func decodeQueryComponent(_ text: Substring) -> String {
        let spaced = text.utf8.contains(UInt8(ascii: "+")) ? text.replacingOccurrences(of: "+", with: " ") : String(text)
        return percentDecoded(spaced) ?? spaced
    }

    /// `text` percent-decoded, nil for a malformed escape. Text without `%` is returned as it
    /// is: Foundation's decoding bridges every string it is given, a few microseconds a request.
    static func percentDecoded(_ text: String) -> String? {
        text.utf8.contains(UInt8(ascii: "%")) ? text.removingPercentEncoding : text
    }
}
