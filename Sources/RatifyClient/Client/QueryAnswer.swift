import RatifyCore

/// One `ratify query` answer: the JSON for `--json` (the node's answer, or the part of it that
/// was asked for) and the human-readable text shown by default.
public struct QueryAnswer: Sendable, Equatable {
    public var json: JSONValue
    public var text: String

    public init(json: JSONValue, text: String) {
        self.json = json
        self.text = text
    }
}
