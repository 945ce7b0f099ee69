import RatifyNode
import NIOHTTP1
import RatifyCore

/// A complete HTTP response: status, content type and body. JSON responses and JSON errors
/// (`{"error": {"code": N, "message": "..."}}`) are built with `json` and `error`.
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]
    public var extraHeaders: [(String, String)]

    public init(status: HTTPResponseStatus, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array(JSONWriter.pretty(value).utf8))
    }

    /// A JSON error. `code` defaults to the HTTP status; transaction rejections pass the
    /// mempool's or ledger's code. `extra` members follow `code` and `message`.
    public static func error(_ status: HTTPResponseStatus, _ message: String, code: UInt32? = nil,
                             extra: [JSONValue.Member] = []) -> HTTPResponse {
        let members = [JSONValue.Member("code", .number(String(code ?? UInt32(status.code)))),
                       JSONValue.Member("message", .string(message))] + extra
        return json(.object([JSONValue.Member("error", .object(members))]), status: status)
    }
}
