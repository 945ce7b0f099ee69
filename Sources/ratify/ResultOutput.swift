import RatifyCore

/// `--json` on a command that prints one result: the JSON document instead of the text line(s).
enum ResultOutput {
    static func print(json: Bool, _ document: @autoclosure () -> JSONValue, text: @autoclosure () -> String) {
        if json { printJSON(document()) } else { Swift.print(text()) }
    }

    /// The document on standard output (`JSONWriter` ends it with a newline).
    static func printJSON(_ document: JSONValue) {
        Swift.print(JSONWriter.pretty(document), terminator: "")
    }
}
