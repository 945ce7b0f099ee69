import Testing
@testable import RatifyCore

/// `JSONWriter.quoted`: text without anything to escape is copied in one piece; everything
/// else is escaped, and either way the JSON parser reads back the original text.
@Suite("JSON string quoting")
struct JSONQuotingTests {
    @Test("plain, escaped and non-ASCII text quote as JSON and parse back unchanged",
          arguments: ["", "95fc0a", "validator-1 (EU)", "é, 日本, 🙂", "a\"b", "back\\slash", "line\nbreak\r\ttab",
                      "\u{01}\u{1F}", "é\"🙂\\\u{7F}"])
    func quoting(text: String) throws {
        let quoted = JSONWriter.quoted(text)
        #expect(quoted.first == "\"" && quoted.last == "\"")
        #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 }, "no raw control character")
        #expect(try JSONParser.parse(Array(quoted.utf8), file: "test") == .string(text))
    }

    @Test("the escapes are the short ones where JSON has them, \\u00XX for other control characters")
    func escapes() {
        #expect(JSONWriter.quoted("plain") == "\"plain\"")
        #expect(JSONWriter.quoted("a\"b\\c\nd\re\tf") == #""a\"b\\c\nd\re\tf""#)
        #expect(JSONWriter.quoted("\u{01}x\u{1F}") == #""\u0001x\u001f""#)
        #expect(JSONWriter.quoted("é🙂\u{7F}") == "\"é🙂\u{7F}\"")
    }
}
