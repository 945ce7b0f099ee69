/// A parsed JSON document that keeps what Foundation's JSONSerialization loses: the order and
/// every occurrence of object keys (so duplicates are caught), and the exact text of numbers
/// (so `1`, `1.0` and `true` stay distinct and integers beyond 2^53 are not rounded).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, already checked against the RFC 8259 grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One `"key": value` pair of an object, in document order.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// A short rendering for error messages: scalars as written (strings quoted and cut to
    /// 40 characters), containers by kind, so that an error line stays one short line.
    public var brief: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let literal): literal.count > 40 ? String(literal.prefix(40)) + "..." : literal
        case .string(let text):
            JSONWriter.quoted(text.count > 40 ? String(text.prefix(40)) + "..." : text)
        case .array: "an array"
        case .object: "an object"
        }
    }
}
