import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyRPC

@Suite("POST /txs over real sockets")
struct BatchSubmitTests {
    @Test("each transaction of a batch is admitted or refused in the order given, as separate POST /tx requests would be")
    func admitsInOrder() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            let first = await node.transfer(ChainFixture.alice), second = await node.transfer(ChainFixture.alice)
            let third = await node.transfer(ChainFixture.alice)
            let stale = Transaction.signed(chainID: ChainFixture.chainID, sender: ChainFixture.alice, nonce: 1, fee: 1,
                                           payload: .transfer(to: ChainFixture.bob.publicKey.address, amount: 3))
            // Hex and base64 lines, a blank line, a stale nonce and a repeat of the first.
            let lines = [Hex.encode(first.canonicalBytes), "", Data(second.canonicalBytes).base64EncodedString(),
                         Hex.encode(stale.canonicalBytes), "  0x" + Hex.encode(third.canonicalBytes) + "\r", Hex.encode(first.canonicalBytes)]
            let response = try await client.post("/txs", lines.joined(separator: "\n"))
            #expect(response.status == 200, "\(response.body)")
            #expect(text(response, "admitted") == "3" && text(response, "refused") == "2", "\(response.body)")
            #expect(text(response, "results.0.hash") == first.hash.hex)
            #expect(text(response, "results.0.code") == "0")
            #expect(text(response, "results.1.hash") == second.hash.hex)
            #expect(text(response, "results.2.status") == "400")
            #expect(text(response, "results.2.error.code") == "3")
            #expect(text(response, "results.2.error.message") == "bad nonce: expected 2, got 1", "\(response.body)")
            #expect(text(response, "results.3.hash") == third.hash.hex)
            #expect(text(response, "results.4.status") == "409")
            #expect(text(response, "results.4.error.code") == "102")
            #expect(field(response, "results.5") == nil)
            #expect(node.mempool.count == 3)

            // The same answers for JSON: an array, or an object's `txs`.
            let fourth = await node.transfer(ChainFixture.alice), fifth = await node.transfer(ChainFixture.alice)
            let asArray = try await client.post("/txs", "[\"\(Hex.encode(fourth.canonicalBytes))\"]", contentType: "application/json")
            #expect(text(asArray, "results.0.hash") == fourth.hash.hex, "\(asArray.body)")
            let asObject = try await client.post("/txs", "{\"txs\": [\"\(Hex.encode(fifth.canonicalBytes))\", \"\(Hex.encode(fourth.canonicalBytes))\"]}")
            #expect(text(asObject, "results.0.hash") == fifth.hash.hex, "\(asObject.body)")
            #expect(text(asObject, "results.1.error.code") == "102")
            #expect(node.mempool.count == 5)
        }
    }

    @Test("a batch body that cannot be read is refused whole with a one-line 400, and nothing is admitted")
    func refusesUnreadableBodies() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            let good = Hex.encode(await node.transfer(ChainFixture.alice).canonicalBytes)
            let tooMany = Array(repeating: good, count: RPCRouter.batchCountMax + 1).joined(separator: "\n")
            let cases: [(body: String, message: String)] = [
                ("", "request body is empty"),
                (" \n\n ", "request body is empty"),
                ("\(good)\nnot hex!", "transaction 1 (from 0): transaction is neither hex nor base64"),
                ("[5]", "transaction 0 (from 0): expected a hex or base64 string, got 5"),
                ("[]", "request body is empty"),
                ("{\"txs\": 5}", "request body field \"txs\" must be an array"),
                ("{\"tx\": \"\(good)\"}", "request body has no \"txs\" field"),
                ("[\"\(good)\"", "request body is not valid JSON"),
                ("\"\(good)\"", "transaction 0 (from 0): transaction is neither hex nor base64"),
                (tooMany, "a batch takes at most \(RPCRouter.batchCountMax) transactions"),
            ]
            for (body, message) in cases {
                let response = try await client.post("/txs", body)
                #expect(response.status == 400, "\(body.prefix(40))")
                #expect(text(response, "error.message")?.hasPrefix(message) == true, "\(body.prefix(40)): \(response.body)")
            }
            let withWait = try await client.post("/txs?wait=final", good)
            #expect(withWait.status == 400)
            #expect(text(withWait, "error.message")?.hasPrefix("POST /txs takes no parameters") == true, "\(withWait.body)")
            let get = try await client.get("/txs")
            #expect(get.status == 405 && get.headers["allow"] == "POST")
            #expect(node.mempool.count == 0)
        }
    }
}
