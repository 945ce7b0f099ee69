/// One Server-Sent Event as `GET /events` sends it (docs/RPC.md): its `event:` name
/// (`message` when the frame names none), its `id:` and its `data:` lines joined by newlines.
public struct ServerSentEvent: Sendable, Equatable {
    public var name: String
    public var id: String?
    public var data: String

    public init(name: String, id: String? = nil, data: String) {
        self.name = name
        self.id = id
        self.data = data
    }
}

/// Splits a `text/event-stream` body into events and comments as its bytes arrive, in any
/// chunking (the WHATWG event-stream format: lines end at LF, CRLF or CR; a blank line ends
/// an event; a line starting with `:` is a comment). Pure: no I/O, fed by whoever reads.
public struct ServerSentEventParser: Sendable {
    public enum Item: Sendable, Equatable {
        case event(ServerSentEvent)
        /// A comment line without its leading `:` and one space (`subscribed to tx events`,
        /// `keep-alive`).
        case comment(String)
    }

    /// The stream broke the format or a limit: the client stops reading it.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// A line longer than this is refused rather than buffered without end. The node's longest
    /// line is one transaction or block event: a few hundred bytes.
    public static let lineBytesMax = 64 * 1024

    private var line: [UInt8] = []
    private var lastWasCarriageReturn = false
    private var name: String?
    private var id: String?
    private var dataLines: [String] = []

    public init() {}

    /// The events and comments completed by `bytes`, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Item] {
        // One generic call for the bytes' storage, then a loop over concrete memory: a
        // byte-by-byte loop over a generic sequence runs unspecialised from other modules.
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(Failure) -> [Item] in try feed(buffer: buffer) }
        }
        if let contiguous { return try contiguous.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            Result { () throws(Failure) -> [Item] in try feed(buffer: buffer) }
        }.get()
    }

    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>) throws(Failure) -> [Item] {
        var items: [Item] = []
        var segmentStart = 0
        for index in 0..<buffer.count {
            let byte = buffer[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else { continue }
            try appendToLine(UnsafeBufferPointer(rebasing: buffer[segmentStart..<index]))
            segmentStart = index + 1
            if byte == UInt8(ascii: "\n") {
                // The LF of a CRLF: the CR already ended the line.
                if lastWasCarriageReturn {
                    lastWasCarriageReturn = false
                    continue
                }
            } else {
                lastWasCarriageReturn = true
            }
            if let item = endLine() { items.append(item) }
        }
        try appendToLine(UnsafeBufferPointer(rebasing: buffer[segmentStart...]))
        return items
    }

    /// Bytes of the line in progress (no line ends among them).
    private mutating func appendToLine(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) {
        guard !bytes.isEmpty else { return }
        lastWasCarriageReturn = false
        guard line.count + bytes.count <= Self.lineBytesMax else {
            throw Failure(description: "a line of the event stream is longer than \(Self.lineBytesMax) bytes")
        }
        line.append(contentsOf: bytes)
    }

    private mutating func endLine() -> Item? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        if line[0] == UInt8(ascii: ":") {
            var text = line.dropFirst()
            if text.first == UInt8(ascii: " ") { text = text.dropFirst() }
            return .comment(String(decoding: text, as: UTF8.self))
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        let text = String(decoding: value, as: UTF8.self)
        switch field {
        case "event": name = text
        case "id": id = text
        case "data": dataLines.append(text)
        default: break  // `retry` and unknown fields: nothing a Ratify client uses.
        }
        return nil
    }

    /// A blank line: the fields gathered so far make one event, if any data came.
    private mutating func dispatch() -> Item? {
        defer {
            name = nil
            id = nil
            dataLines = []
        }
        guard !dataLines.isEmpty else { return nil }
        return .event(ServerSentEvent(name: name ?? "message", id: id, data: dataLines.joined(separator: "\n")))
    }
}
