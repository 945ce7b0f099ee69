/// Bounds on what one HTTP server accepts. A request over a limit gets a JSON error (413, 431)
/// and its connection is closed; connections over `connectionsMax` are closed on accept.
public struct HTTPServerLimits: Hashable, Sendable {
    /// Request body bytes (CometBFT's `max_body_bytes`); larger bodies get 413.
    public var bodyBytesMax: Int
    /// Bytes of all header names and values of one request; more gets 431.
    public var headerBytesMax: Int
    /// Open connections (CometBFT's `max_open_connections`).
    public var connectionsMax: Int
    /// Time a connection has to deliver a complete request, from accept or from the end of the
    /// previous response; then it is closed. Bounds idle and slow ("slowloris") clients alike.
    public var readTimeoutMillis: Int64
    /// Time one part of a streamed response (`GET /events`) may take to be accepted by a client
    /// that has stopped reading; then the stream ends and the connection is closed.
    public var streamWriteTimeoutMillis: Int64

    public init(bodyBytesMax: Int = 1_000_000, headerBytesMax: Int = 64 * 1024, connectionsMax: Int = 900,
                readTimeoutMillis: Int64 = 10_000, streamWriteTimeoutMillis: Int64 = 10_000) {
        precondition(bodyBytesMax > 0 && headerBytesMax > 0 && connectionsMax > 0 && readTimeoutMillis > 0
                     && streamWriteTimeoutMillis > 0, "HTTP limits must be positive")
        self.bodyBytesMax = bodyBytesMax
        self.headerBytesMax = headerBytesMax
        self.connectionsMax = connectionsMax
        self.readTimeoutMillis = readTimeoutMillis
        self.streamWriteTimeoutMillis = streamWriteTimeoutMillis
    }
}
