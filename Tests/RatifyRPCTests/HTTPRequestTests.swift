import Testing
@testable import RatifyRPC

@Suite("HTTP request: path and query")
struct HTTPRequestTests {
    @Test("the path and query are percent-decoded only where they hold escapes; '+' is a space in the query; a malformed escape stays as sent")
    func percentDecoding() {
        let plain = HTTPRequest(method: .POST, uri: "/tx")
        #expect(plain.path == "/tx" && plain.query.isEmpty)
        let escaped = HTTPRequest(method: .GET, uri: "/account/ab%31%32?name=a+b%26c&x=%41&x=second&empty&bad=%zz")
        #expect(escaped.path == "/account/ab12")
        #expect(escaped.query["name"] == "a b&c")
        #expect(escaped.query["x"] == "A", "a repeated name keeps its first value")
        #expect(escaped.query["empty"] == "")
        #expect(escaped.query["bad"] == "%zz")
        #expect(HTTPRequest(method: .GET, uri: "/tx/%zz").path == "/tx/%zz")
        #expect(HTTPRequest.percentDecoded("no escapes") == "no escapes")
        #expect(HTTPRequest.percentDecoded("%E2%9C%93") == "✓")
    }
}
