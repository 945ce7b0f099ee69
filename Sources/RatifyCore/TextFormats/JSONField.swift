/// A JSON value together with where it sits (file and field path), so that every conversion
/// failure becomes a one-line `FileFormatError` naming the exact field, such as
/// `genesis.json: consensus.timeout_propose_ms: expected a non-negative integer, got "abc"`.
public struct JSONField: Sendable {
    public let value: JSONValue
    public let file: String
    /// `validators[2].pub_key`; empty for the document root.
    public let path: String

    public init(_ value: JSONValue, file: String, path: String = "") {
        self.value = value
        self.file = file
        self.path = path
    }

    /// An error about this field.
    public func failure(_ reason: String) -> FileFormatError {
        FileFormatError(file: file, location: path, reason: reason)
    }

    /// The path of a member of this object.
    public func memberPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    public func string() throws(FileFormatError) -> String {
        guard case .string(let text) = value else { throw failure("expected a string, got \(value.brief)") }
        return text
    }

    /// An unsigned 64-bit integer, written as a JSON integer or as a string of decimal digits
    /// (for amounts beyond 2^53, which JavaScript tools would round).
    public func uint64() throws(FileFormatError) -> UInt64 {
        let digits: String
        switch value {
        case .number(let literal): digits = literal
        case .string(let text): digits = text
        default: throw failure("expected a non-negative integer, got \(value.brief)")
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw failure("expected a non-negative integer, got \(value.brief)")
        }
        guard let number = UInt64(digits) else {
            throw failure("expected a non-negative integer at most \(UInt64.max), got \(value.brief)")
        }
        return number
    }

    /// An integer field that must fit a narrower type (counts, limits).
    public func uint32() throws(FileFormatError) -> UInt32 {
        let wide = try uint64()
        guard let narrow = UInt32(exactly: wide) else {
            throw failure("expected a non-negative integer at most \(UInt32.max), got \(value.brief)")
        }
        return narrow
    }

    public func bool() throws(FileFormatError) -> Bool {
        guard case .bool(let flag) = value else { throw failure("expected true or false, got \(value.brief)") }
        return flag
    }

    /// Hex of exactly `count` bytes (an optional `0x` prefix is accepted).
    public func hexBytes(count: Int) throws(FileFormatError) -> [UInt8] {
        let text = try string()
        guard let bytes = Hex.decode(text) else {
            throw failure("expected \(count * 2) hex digits (\(count) bytes), got \(value.brief)")
        }
        guard bytes.count == count else { throw failure("expected \(count) bytes, got \(bytes.count)") }
        return bytes
    }

    public func array() throws(FileFormatError) -> [JSONField] {
        guard case .array(let items) = value else { throw failure("expected an array, got \(value.brief)") }
        return items.enumerated().map { JSONField($1, file: file, path: "\(path)[\($0)]") }
    }

    /// This field as an object whose keys must all be in `keys`; see `JSONObjectReader`.
    public func object(keys: [String]) throws(FileFormatError) -> JSONObjectReader {
        try JSONObjectReader(self, keys: keys)
    }
}
