import RatifyCore
import TOMLKit

/// One table of a parsed TOML document with its path, so that each conversion failure is a
/// one-line error naming the key (`config.toml: p2p.max_peers: expected ...`). Construction
/// rejects keys that are not in the allowed list, as a typo must not fall back to a default.
struct TOMLSection {
    let table: TOMLTable
    let file: String
    /// `p2p`; empty for the root table.
    let path: String

    init(_ table: TOMLTable, file: String, path: String, keys allowed: [String]) throws(FileFormatError) {
        self.table = table
        self.file = file
        self.path = path
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw FileFormatError(file: file, location: keyPath(key),
                                  reason: "unknown key; expected one of: " + allowed.joined(separator: ", "))
        }
    }

    /// Parses a whole document; a syntax error is one line naming its line and column.
    static func parse(_ text: String, file: String) throws(FileFormatError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let where_ = "line \(error.source.begin.line), column \(error.source.begin.column)"
            let reason = error.description.split(whereSeparator: \.isNewline).joined(separator: " ")
            throw FileFormatError(file: file, location: where_, reason: "invalid TOML: \(reason)")
        } catch {
            throw FileFormatError(file: file, location: "", reason: "invalid TOML: \(error)")
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func failure(_ key: String, _ reason: String) -> FileFormatError {
        FileFormatError(file: file, location: keyPath(key), reason: reason)
    }

    func section(_ key: String, keys: [String]) throws(FileFormatError) -> TOMLSection? {
        guard let value = table[key] else { return nil }
        guard let nested = value.table else { throw failure(key, "expected a table [\(keyPath(key))], got \(Self.brief(value))") }
        return try TOMLSection(nested, file: file, path: keyPath(key), keys: keys)
    }

    func string(_ key: String) throws(FileFormatError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw failure(key, "expected a string, got \(Self.brief(value))") }
        return text
    }

    func uint64(_ key: String) throws(FileFormatError) -> UInt64? {
        guard let value = table[key] else { return nil }
        guard let number = value.int, number >= 0 else {
            throw failure(key, "expected a non-negative integer, got \(Self.brief(value))")
        }
        return UInt64(number)
    }

    func bool(_ key: String) throws(FileFormatError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw failure(key, "expected true or false, got \(Self.brief(value))") }
        return flag
    }

    /// An address string checked by `parse` (which explains its own failures).
    func address<T>(_ key: String, _ parse: (String) -> Result<T, AddressProblem>) throws(FileFormatError) -> T? {
        guard let text = try string(key) else { return nil }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let problem): throw failure(key, problem.reason)
        }
    }

    /// A value as written, for "got ..." in errors.
    static func brief(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: JSONValue.string(value.string ?? "").brief
        case .int: value.int.map(String.init) ?? "an integer"
        case .bool: value.bool.map { $0 ? "true" : "false" } ?? "a boolean"
        case .double: value.double.map { String($0) } ?? "a number"
        case .table: "a table"
        case .array: "an array"
        case .date, .time, .dateTime: "a date or time"
        }
    }
}
