import RatifyCore

/// Lenient reading of the node's answers for the CLI: a missing member or a value of another
/// type is nil, so that a newer node that adds fields never breaks an older client.
extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A JSON number or a decimal string (token amounts are strings, docs/RPC.md).
    public var uint64Value: UInt64? {
        switch self {
        case .number(let literal), .string(let literal): UInt64(literal)
        default: nil
        }
    }

    public var intValue: Int? {
        switch self {
        case .number(let literal), .string(let literal): Int(literal)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// A scalar as a table cell shows it: strings bare, null as "-".
    public var cellText: String {
        switch self {
        case .null: "-"
        case .bool(let value): value ? "yes" : "no"
        case .number(let literal): literal
        case .string(let text): text
        case .array(let items): "\(items.count) item(s)"
        case .object: "{…}"
        }
    }
}
