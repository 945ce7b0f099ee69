/// Writes `JSONValue`s as the files Ratify generates: two-space indentation, keys in the
/// order given (the documented order, not alphabetical), arrays of scalars on one line,
/// a final newline. The output is stable, so generated files diff cleanly.
public enum JSONWriter {
    public static func pretty(_ value: JSONValue) -> String {
        var output = ""
        write(value, indent: 0, into: &output)
        output.append("\n")
        return output
    }

    private static func write(_ value: JSONValue, indent: Int, into output: inout String) {
        switch value {
        case .null, .bool, .number, .string:
            output.append(scalar(value))
        case .array(let items):
            if items.isEmpty { output.append("[]"); return }
            if items.allSatisfy(isScalar) {
                output.append("[" + items.map(scalar).joined(separator: ", ") + "]")
                return
            }
            output.append("[\n")
            for (position, item) in items.enumerated() {
                output.append(String(repeating: "  ", count: indent + 1))
                write(item, indent: indent + 1, into: &output)
                output.append(position + 1 < items.count ? ",\n" : "\n")
            }
            output.append(String(repeating: "  ", count: indent) + "]")
        case .object(let members):
            if members.isEmpty { output.append("{}"); return }
            output.append("{\n")
            for (position, member) in members.enumerated() {
                output.append(String(repeating: "  ", count: indent + 1))
                output.append(quoted(member.key) + ": ")
                write(member.value, indent: indent + 1, into: &output)
                output.append(position + 1 < members.count ? ",\n" : "\n")
            }
            output.append(String(repeating: "  ", count: indent) + "}")
        }
    }

    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: false
        default: true
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let literal): literal
        case .string(let text): quoted(text)
        case .array, .object: ""
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        // Most text (hashes, addresses, names) needs no escape: one scan of its UTF-8, one copy.
        // Bytes of a multi-byte UTF-8 sequence are all 0x80 or above, so none is mistaken here.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            return "\"" + text + "\""
        }
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = Hex.encode([UInt8(0), UInt8(truncatingIfNeeded: scalar.value)])
                output.append("\\u" + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
        return output
    }
}
