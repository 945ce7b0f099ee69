/// Reads the members of one JSON object by key. Construction rejects any key not in the
/// allowed list (a typo such as `timeout_propse_ms` must not silently fall back to a
/// default), suggesting the nearest allowed key.
public struct JSONObjectReader: Sendable {
    public let field: JSONField
    private let members: [String: JSONValue]

    public init(_ field: JSONField, keys allowed: [String]) throws(FileFormatError) {
        guard case .object(let list) = field.value else {
            throw field.failure("expected an object, got \(field.value.brief)")
        }
        var members: [String: JSONValue] = [:]
        for member in list {
            guard allowed.contains(member.key) else {
                throw FileFormatError(file: field.file, location: field.memberPath(member.key),
                                      reason: Self.unknownKeyReason(member.key, allowed: allowed))
            }
            // The parser already rejects duplicates; a value built in code keeps the first.
            if members[member.key] == nil { members[member.key] = member.value }
        }
        self.field = field
        self.members = members
    }

    /// The member `key`, or a "required field is missing" error.
    public func required(_ key: String) throws(FileFormatError) -> JSONField {
        guard let value = members[key] else {
            throw FileFormatError(file: field.file, location: field.memberPath(key), reason: "required field is missing")
        }
        return JSONField(value, file: field.file, path: field.memberPath(key))
    }

    /// The member `key`, or nil when absent (the caller applies the documented default).
    /// An explicit `null` counts as absent.
    public func optional(_ key: String) -> JSONField? {
        guard let value = members[key], value != .null else { return nil }
        return JSONField(value, file: field.file, path: field.memberPath(key))
    }

    static func unknownKeyReason(_ key: String, allowed: [String]) -> String {
        let nearest = allowed.min { editDistance(key, $0) < editDistance(key, $1) }
        // Close enough to be a typo, and not merely short (a one-letter key is near everything).
        if let nearest, case let distance = editDistance(key, nearest), distance <= 2, distance * 2 < key.utf8.count {
            return "unknown field; did you mean \"\(nearest)\"?"
        }
        return "unknown field; expected one of: " + allowed.joined(separator: ", ")
    }

    /// Levenshtein distance, for "did you mean" hints. Keys are short; quadratic is fine.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.utf8.prefix(64)), b = Array(rhs.utf8.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
