import RatifyCore

/// One answer from the node's RPC: the HTTP status and the parsed JSON body.
public struct RPCReply: Sendable, Equatable {
    public var status: Int
    public var body: JSONValue

    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }

    /// The body when the status is 2xx; otherwise the node's `{"error": {"code", "message"}}`
    /// as a `ClientError.rejected`.
    public func success() throws(ClientError) -> JSONValue {
        guard (200..<300).contains(status) else {
            let error = body["error"]
            let message = error?["message"]?.stringValue ?? "HTTP status \(status) without an error message"
            let code = error?["code"]?.intValue ?? status
            throw .rejected(status: status, code: code, message: message)
        }
        return body
    }
}
