/// A strict RFC 8259 JSON parser for the files users edit (genesis, key files).
///
/// Hand-written rather than Foundation's JSONSerialization because, measured on Linux with
/// Swift 6.3.1, JSONSerialization silently keeps the last of two duplicate keys, returns `true`,
/// `1` and `1.0` as values that all cast to both `Bool` and `UInt64`, and reports a syntax error
/// only as "Invalid value around character 14". Here a syntax error names its line and column,
/// a duplicate key names its field path, and numbers keep their literal text.
///
/// Input is untrusted: nesting is capped at `depthMax`, every index is checked, and failures
/// are `FileFormatError`s, never traps. Not a hot path.
public struct JSONParser {
    /// Deeper nesting than any Ratify file needs; bounds the recursion.
    public static let depthMax = 64

    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Parses one complete document; `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(FileFormatError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, file: file)
        return try parser.parseDocument()
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private mutating func parseDocument() throws(FileFormatError) -> JSONValue {
        // A UTF-8 byte order mark is tolerated, as editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw syntax("the file is empty; expected a JSON object") }
        let value = try parseValue(path: "", depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw syntax("unexpected \(found()) after the end of the document")
        }
        return value
    }

    // MARK: values

    private mutating func parseValue(path: String, depth: Int) throws(FileFormatError) -> JSONValue {
        guard depth < Self.depthMax else { throw syntax("nesting deeper than \(Self.depthMax) levels") }
        guard let byte = peek() else { throw syntax("unexpected end of file; expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(path: path, depth: depth)
        case UInt8(ascii: "["): return try parseArray(path: path, depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        default: throw syntax("unexpected \(found()); expected a value")
        }
    }

    private mutating func parseObject(path: String, depth: Int) throws(FileFormatError) -> JSONValue {
        index += 1  // "{"
        var members: [JSONValue.Member] = []
        var seen: Set<String> = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw syntax("unexpected \(found()); expected a quoted key")
            }
            // Only the position is kept here; the column is counted on error, as counting it
            // for every key would be quadratic on a long single-line (minified) file.
            let keyLine = line, keyLineStart = lineStart, keyStart = index
            let key = try parseString()
            let memberPath = path.isEmpty ? key : path + "." + key
            guard seen.insert(key).inserted else {
                throw FileFormatError(file: file, location: memberPath,
                                      reason: "duplicate key (again at line \(keyLine), column \(column(from: keyLineStart, to: keyStart))); keep one")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw syntax("unexpected \(found()); expected ':' after a key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(path: memberPath, depth: depth + 1)
            members.append(JSONValue.Member(key, value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw syntax("unexpected \(found()); expected ',' or '}' after an object member")
            }
        }
    }

    private mutating func parseArray(path: String, depth: Int) throws(FileFormatError) -> JSONValue {
        index += 1  // "["
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            skipWhitespace()
            items.append(try parseValue(path: "\(path)[\(items.count)]", depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw syntax("unexpected \(found()); expected ',' or ']' after an array element")
            }
        }
    }

    // MARK: scalars

    private mutating func parseString() throws(FileFormatError) -> String {
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw syntax("unexpected end of file inside a string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw syntax("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw syntax("control character in a string; escape it (\\n, \\t, \\u00XX)")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(FileFormatError) {
        guard let byte = peek() else { throw syntax("unexpected end of file inside a string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(byte)
        case UInt8(ascii: "\\"): utf8.append(byte)
        case UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalarValue = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalarValue) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard peek() == UInt8(ascii: "\\"), peek(offset: 1) == UInt8(ascii: "u") else {
                    throw syntax("unpaired UTF-16 surrogate in \\u escape")
                }
                index += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw syntax("unpaired UTF-16 surrogate in \\u escape") }
                scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw syntax("unpaired UTF-16 surrogate in \\u escape") }
            utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            index -= 1
            throw syntax("unknown escape \\\(Character(Unicode.Scalar(byte)))")
        }
    }

    private mutating func parseHex4() throws(FileFormatError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let nibble = Self.hexValue(byte) else {
                throw syntax("expected 4 hex digits after \\u")
            }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    private mutating func parseNumber() throws(FileFormatError) -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), Self.isDigit(next) { throw syntax("leading zero in a number") }
        } else {
            guard try skipDigits() > 0 else { throw syntax("expected a digit in a number") }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard try skipDigits() > 0 else { throw syntax("expected a digit after '.' in a number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard try skipDigits() > 0 else { throw syntax("expected a digit in a number's exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() throws(FileFormatError) -> Int {
        var count = 0
        while let byte = peek(), Self.isDigit(byte) { index += 1; count += 1 }
        return count
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func expectWord(_ word: StaticString) throws(FileFormatError) {
        let expected = word.withUTF8Buffer { Array($0) }
        guard bytes.count - index >= expected.count,
              bytes[index..<(index + expected.count)].elementsEqual(expected) else {
            throw syntax("unexpected \(found()); expected a value")
        }
        index += expected.count
    }

    // MARK: position

    private func peek(offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    /// 1-based column in characters (UTF-8 continuation bytes are not counted).
    private var column: Int { column(from: lineStart, to: index) }

    private func column(from start: Int, to end: Int) -> Int {
        var count = 1
        var position = start
        while position < end && position < bytes.count {
            if bytes[position] & 0xC0 != 0x80 { count += 1 }
            position += 1
        }
        return count
    }

    /// What stands at the current position, for "unexpected ..." messages.
    private func found() -> String {
        guard let byte = peek() else { return "end of file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(Hex.encode([byte]))"
    }

    private func syntax(_ reason: String) -> FileFormatError {
        FileFormatError(file: file, location: "line \(line), column \(column)", reason: "invalid JSON: \(reason)")
    }
}
