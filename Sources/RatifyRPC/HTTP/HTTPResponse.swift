import RatifyNode
import NIOHTTP1
import RatifyCore

/// An HTTP response: status, content type and body. JSON responses and JSON errors
/// (`{"error": {"code": N, "message": "..."}}`) are built with `json` and `error`. A streamed
/// response (`GET /events`) has a `stream` instead of a body.
public struct HTTPResponse: Sendable {
    /// Writes a streamed body through `writer`; the response ends (and the connection closes)
    /// when it returns. It is cancelled when the client goes or the server closes.
    public typealias Stream = @Sendable (_ writer: StreamWriter) async -> Void

    /// Writes the parts of a streamed body, each flushed at once. A part the client has not
    /// taken within `HTTPServerLimits.streamWriteTimeoutMillis` ends the stream.
    public struct StreamWriter: Sendable {
        let sendPart: @Sendable ([UInt8]) async throws -> Void
        let enqueuePart: @Sendable (_ make: @escaping @Sendable () -> [UInt8], _ written: @escaping @Sendable () -> Void) -> Void

        /// Sends one part; throws once the client is gone or the part timed out.
        public func send(_ bytes: [UInt8]) async throws { try await sendPart(bytes) }

        /// Writes a part without waiting, from any thread: `make` runs on the connection's event
        /// loop and its bytes are written there, in the order of the calls and after every `send`
        /// that has returned. `written` runs once the socket has taken them (never if the client
        /// is gone). For a producer that must not wait, such as a publisher of events.
        public func enqueue(_ make: @escaping @Sendable () -> [UInt8], written: @escaping @Sendable () -> Void) {
            enqueuePart(make, written)
        }
    }

    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]
    public var extraHeaders: [(String, String)]
    public var stream: Stream?

    public init(status: HTTPResponseStatus, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    public static func streaming(contentType: String, extraHeaders: [(String, String)] = [],
                                 _ stream: @escaping Stream) -> HTTPResponse {
        var response = HTTPResponse(status: .ok, contentType: contentType, body: [], extraHeaders: extraHeaders)
        response.stream = stream
        return response
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
