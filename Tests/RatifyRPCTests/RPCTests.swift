import Foundation
import Logging
import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyRPC

/// Runs an RPC server on 127.0.0.1 with an ephemeral port for the duration of `body`.
func withRPC(_ queries: NodeQueries, limits: HTTPServerLimits = HTTPServerLimits(),
             finalTimeout: Duration = .seconds(10), eventStream: RPCRouter.EventStreamSettings = .init(),
             healthMaxBlockAgeMillis: UInt64 = 60_000,
             _ body: (RawHTTPClient) async throws -> Void) async throws {
    let router = RPCRouter(queries: queries, finalTimeout: finalTimeout, eventStream: eventStream,
                           healthMaxBlockAgeMillis: healthMaxBlockAgeMillis)
    // Wired as `RPCServer` wires it: submissions are answered on the event loop.
    let server = try await HTTPServer.bind(host: "127.0.0.1", port: 0, limits: limits, logger: Logger(label: "rpc-test"),
                                           immediate: router.answerNow) {
        await router.handle($0)
    }
    let serving = Task { await server.run() }
    var failure: (any Error)?
    do { try await body(RawHTTPClient(port: server.localPort)) } catch { failure = error }
    await server.close()
    serving.cancel()
    await serving.value
    if let failure { throw failure }
}

/// The JSON value at a dotted path (`sync_info.latest_block_height`, `validators.0.address`).
func field(_ response: RawHTTPClient.Response, _ path: String) -> JSONValue? {
    guard var value = try? JSONParser.parse(Array(response.body.utf8), file: "response") else { return nil }
    for key in path.split(separator: ".") {
        switch value {
        case .object(let members):
            guard let member = members.first(where: { $0.key == key }) else { return nil }
            value = member.value
        case .array(let items):
            guard let index = Int(key), items.indices.contains(index) else { return nil }
            value = items[index]
        default:
            return nil
        }
    }
    return value
}

func text(_ response: RawHTTPClient.Response, _ path: String) -> String? {
    switch field(response, path) {
    case .string(let text)?: text
    case .number(let literal)?: literal
    case .bool(let flag)?: flag ? "true" : "false"
    default: nil
    }
}

@Suite("RPC over real sockets")
struct RPCTests {
    @Test("status, health, block, commit, validators, account and tx answer after two blocks")
    func endpoints() async throws {
        let node = try TestNode()
        let first = await node.transfer(ChainFixture.alice, amount: 250)
        _ = try await node.mempool.add(first.canonicalBytes)
        try await node.finalizeBlock()
        try await node.finalizeBlock()
        try await withRPC(node.queries) { client in
            let health = try await client.get("/health")
            #expect(health.status == 200)
            #expect(health.headers["content-type"] == "application/json")
            #expect(text(health, "latest_block_height") == "2")
            #expect(text(health, "catching_up") == "false")
            #expect(field(health, "error") == nil)

            let status = try await client.get("/status")
            #expect(status.status == 200)
            #expect(text(status, "sync_info.latest_block_height") == "2")
            #expect(text(status, "node_info.network") == ChainFixture.chainID)
            #expect(text(status, "sync_info.catching_up") == "false")
            #expect(text(status, "validator_info.voting_power") == "10")
            #expect(text(status, "node_info.version") == TestNode.build.version)
            #expect(text(status, "node_info.commit") == TestNode.build.commit)

            let block = try await client.get("/block?height=1")
            #expect(block.status == 200)
            #expect(text(block, "block.header.height") == "1")
            #expect(text(block, "block.data.num_txs") == "1")
            #expect(text(block, "block.data.txs.0.hash") == first.hash.hex)
            #expect(text(block, "block.data.txs.0.payload.amount") == "250")
            let latest = try await client.get("/block")
            #expect(text(latest, "block.header.height") == "2")
            #expect(text(latest, "block.last_commit.height") == "1")

            let commit = try await client.get("/commit?height=1")
            #expect(commit.status == 200)
            #expect(text(commit, "signed_header.commit.block_id.hash") == text(block, "block_id.hash"))
            #expect(text(commit, "signed_header.commit.signatures.3.block_id_flag") == "2")

            let validators = try await client.get("/validators?height=2")
            #expect(text(validators, "count") == "4")
            #expect(text(validators, "total_voting_power") == "40")

            let account = try await client.get("/account/\(ChainFixture.dave.publicKey.address.hex)")
            #expect(text(account, "balance") == "1000250")
            #expect(text(account, "nonce") == "0")
            let alice = try await client.get("/account/\(ChainFixture.alice.publicKey.address.hex)")
            #expect(text(alice, "nonce") == "1")
            #expect(text(alice, "balance") == "999749")

            let found = try await client.get("/tx/\(first.hash.hex)")
            #expect(found.status == 200)
            #expect(text(found, "height") == "1")
            #expect(text(found, "index") == "0")
            #expect(text(found, "tx_result.code") == "0")
        }
    }

    @Test("unknown paths, wrong methods, bad and unknown heights, bad addresses and hashes get JSON errors")
    func requestErrors() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        try await withRPC(node.queries) { client in
            let missing = try await client.get("/nope")
            #expect(missing.status == 404)
            #expect(text(missing, "error.code") == "404")
            let wrongMethod = try await client.post("/status", "")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "GET")
            #expect(try await client.get("/tx").status == 405)
            for bad in ["abc", "0", "-1", "1.5", "99999999999999999999999"] {
                let response = try await client.get("/block?height=\(bad)")
                #expect(response.status == 400)
                #expect(text(response, "error.message")?.hasPrefix("height must be a positive integer") == true)
            }
            let unknown = try await client.get("/block?height=99")
            #expect(unknown.status == 404)
            #expect(text(unknown, "error.message") == "no block at height 99: the latest height is 1")
            #expect(try await client.get("/commit?height=2").status == 404)
            #expect(try await client.get("/validators?height=50").status == 404)
            for path in ["block", "commit", "validators"] {
                #expect(try await client.get("/\(path)?height=\(UInt64.max)").status == 404, "the last height is unknown, not a trap")
            }
            #expect(try await client.get("/account/xyz").status == 400)
            #expect(try await client.get("/tx/1234").status == 400)
            let pending = try await client.get("/tx/\(Hash.sha256([1]).hex)")
            #expect(pending.status == 404)
        }
    }

    @Test("POST /tx takes hex, base64, JSON and raw bytes, and refuses bad transactions with the mempool's message")
    func submit() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            let hexTx = await node.transfer(ChainFixture.alice)
            let viaHex = try await client.post("/tx", Hex.encode(hexTx.canonicalBytes))
            #expect(viaHex.status == 200)
            #expect(text(viaHex, "hash") == hexTx.hash.hex)
            let base64Tx = await node.transfer(ChainFixture.alice)
            let viaBase64 = try await client.post("/tx", Data(base64Tx.canonicalBytes).base64EncodedString())
            #expect(text(viaBase64, "hash") == base64Tx.hash.hex)
            let jsonTx = await node.transfer(ChainFixture.alice)
            let viaJSON = try await client.post("/tx", "{\"tx\": \"0x\(Hex.encode(jsonTx.canonicalBytes))\"}", contentType: "application/json")
            #expect(text(viaJSON, "hash") == jsonTx.hash.hex)
            let rawTx = await node.transfer(ChainFixture.alice)
            let viaRaw = try await client.send("POST", "/tx", body: rawTx.canonicalBytes, contentType: "application/octet-stream")
            #expect(text(viaRaw, "hash") == rawTx.hash.hex)
            #expect(node.mempool.count == 4)

            let duplicate = try await client.post("/tx", Hex.encode(hexTx.canonicalBytes))
            #expect(duplicate.status == 409)
            #expect(text(duplicate, "error.code") == "102")
            let stale = Transaction.signed(chainID: ChainFixture.chainID, sender: ChainFixture.alice, nonce: 1, fee: 1,
                                           payload: .transfer(to: ChainFixture.bob.publicKey.address, amount: 3))
            let badNonce = try await client.post("/tx", Hex.encode(stale.canonicalBytes))
            #expect(badNonce.status == 400)
            #expect(text(badNonce, "error.code") == "3")
            #expect(text(badNonce, "error.message") == "bad nonce: expected 4, got 1")
            let truncated = try await client.post("/tx", Hex.encode(hexTx.canonicalBytes.dropLast(5)))
            #expect(truncated.status == 400)
            #expect(text(truncated, "error.code") == "100")

            for (body, message) in [("", "request body is empty"), ("not hex!", "transaction is neither hex nor base64"),
                                    ("{\"tx\": 5}", "request body field \"tx\" must be"), ("{\"tx\": ", "request body is not valid JSON"),
                                    ("{\"other\": \"00\"}", "request body has no \"tx\" field")] {
                let response = try await client.post("/tx", body)
                #expect(response.status == 400, "\(body)")
                #expect(text(response, "error.message")?.hasPrefix(message) == true, "\(body): \(response.body)")
            }
            let notText = try await client.send("POST", "/tx", body: [0xff, 0xfe, 0x00])
            #expect(notText.status == 400)
            #expect(try await client.post("/tx?wait=soon", Hex.encode(hexTx.canonicalBytes)).status == 400)
        }
    }

    @Test("submissions answered on the event loop and requests answered by the connection's task keep their order when pipelined")
    func pipelinedSubmissions() async throws {
        let node = try TestNode()
        try await withRPC(node.queries, limits: HTTPServerLimits(bodyBytesMax: 4_096)) { client in
            let first = await node.transfer(ChainFixture.alice), second = await node.transfer(ChainFixture.alice)
            func post(_ transaction: Transaction, _ query: String = "") -> String {
                let body = Hex.encode(transaction.canonicalBytes)
                return "POST /tx\(query) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            let requests = post(first) + "GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n" + post(second)
                + post(first, "?dry_run=true") + post(second)
                + "POST /tx HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"
                + String(repeating: "0", count: 5_000)
            let responses = try await client.exchangeAll(Array(requests.utf8))
            #expect(responses.map(\.status) == [200, 200, 200, 409, 409, 413], "\(responses.map(\.body))")
            #expect(responses.count == 6)
            guard responses.count == 6 else { return }
            #expect(text(responses[0], "hash") == first.hash.hex)
            #expect(field(responses[1], "sync_info.latest_block_height") != nil)
            #expect(text(responses[2], "hash") == second.hash.hex)
            #expect(text(responses[3], "error.code") == "102", "the dry run sees the first transaction held: \(responses[3].body)")
            #expect(responses.prefix(5).allSatisfy { $0.headers["connection"] == "keep-alive" })
            #expect(node.mempool.count == 2)
        }
    }

    @Test("a POST /tx body of bare hex, read from its bytes, decodes as the general path decodes it")
    func bareHexBody() throws {
        let bytes: [UInt8] = [0x00, 0xab, 0xcd, 0xef]
        for body in ["00abcdef", " \n00ABCDEF\t\r\n", "0x00abcdef", "0X00abcdef  "] {
            #expect(TransactionBody.bareHex(Array(body.utf8)) == bytes, "\(body)")
            #expect(try TransactionBody.decode(Array(body.utf8), contentType: nil).get() == bytes, "\(body)")
        }
        // Not bare hex: left to the general path, whose answers are unchanged.
        for body in ["", "   ", "abc", "00ab cd", "\u{00A0}00ab", "AAECAw==", "{\"tx\": \"00\"}"] {
            #expect(TransactionBody.bareHex(Array(body.utf8)) == nil, "\(body)")
        }
        #expect(TransactionBody.decode(Array("   ".utf8), contentType: nil) == .failure(.empty))
        #expect(TransactionBody.decode(Array("abc".utf8), contentType: nil) == .failure(.notHexOrBase64))
        #expect(TransactionBody.decode(Array("\u{00A0}00ab".utf8), contentType: nil) == .success([0x00, 0xab]), "Unicode space trimmed")
        #expect(TransactionBody.decode(Array("AAECAw==".utf8), contentType: nil) == .success([0, 1, 2, 3]), "base64")
    }

    @Test("oversized bodies get 413, oversized headers 431, malformed HTTP 400, all as JSON")
    func limits() async throws {
        let node = try TestNode()
        let limits = HTTPServerLimits(bodyBytesMax: 1024, headerBytesMax: 2048, connectionsMax: 16, readTimeoutMillis: 5_000)
        try await withRPC(node.queries, limits: limits) { client in
            let declared = try await client.post("/tx", String(repeating: "a", count: 1025))
            #expect(declared.status == 413)
            #expect(text(declared, "error.message") == "request body is larger than 1024 bytes")
            let chunk = String(repeating: "b", count: 800)
            let chunked = "POST /tx HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"
            let streamed = try await client.exchange(Array(chunked.utf8))
            #expect(streamed.status == 413)
            let headers = try await client.get("/status", extraHeaders: "X-Padding: \(String(repeating: "p", count: 4096))\r\n")
            #expect(headers.status == 431)
            #expect(text(headers, "error.code") == "431")
            let garbage = try await client.exchange(Array("NOT HTTP AT ALL\r\n\r\n".utf8))
            #expect(garbage.status == 400)
            #expect(text(garbage, "error.message")?.hasPrefix("malformed HTTP request") == true)
            #expect(try await client.get("/health").status == 200, "the server still answers")
        }
    }

    @Test("POST /tx?wait=final returns when a block finalizes the transaction, with height and latency, or 504")
    func waitFinal() async throws {
        let node = try TestNode()
        try await withRPC(node.queries, finalTimeout: .seconds(10)) { client in
            let transaction = await node.transfer(ChainFixture.bob)
            async let response = client.post("/tx?wait=final", Hex.encode(transaction.canonicalBytes))
            // The in-test "driver": wait until the mempool holds it, then finalize a block.
            var polls = 0
            while node.mempool.count == 0 && polls < 500 {
                try await Task.sleep(for: .milliseconds(10))
                polls += 1
            }
            try await Task.sleep(for: .milliseconds(50))
            try await node.finalizeBlock()
            let final = try await response
            #expect(final.status == 200)
            #expect(text(final, "height") == "1")
            #expect(text(final, "hash") == transaction.hash.hex)
            #expect(text(final, "tx_result.code") == "0")
            let latency = text(final, "latency_ms").flatMap { Int($0) }
            #expect(latency.map { $0 >= 50 } == true)
        }
        try await withRPC(node.queries, finalTimeout: .milliseconds(200)) { client in
            let transaction = await node.transfer(ChainFixture.bob)
            let timedOut = try await client.post("/tx?wait=final", Hex.encode(transaction.canonicalBytes))
            #expect(timedOut.status == 504)
            #expect(text(timedOut, "error.hash") == transaction.hash.hex)
            #expect(node.waiters.count == 0, "an expired ticket is forgotten")
            let refused = try await client.post("/tx?wait=final", Hex.encode(transaction.canonicalBytes))
            #expect(refused.status == 409)
            #expect(node.waiters.count == 0, "a refused submission releases its ticket")
        }
    }

    @Test("a node with nothing wired answers 503 naming what is missing")
    func notWired() async throws {
        try await withRPC(NodeQueries()) { client in
            for path in ["/health", "/status", "/net_info", "/block?height=1", "/commit?height=1", "/validators?height=1",
                         "/account/\(ChainFixture.alice.publicKey.address.hex)", "/tx/\(Hash.sha256([]).hex)"] {
                let response = try await client.get(path)
                #expect(response.status == 503, "\(path)")
                #expect(text(response, "error.message")?.contains("not available on this node yet") == true)
            }
            #expect(try await client.post("/tx", "00").status == 503)
        }
    }

    @Test("a burst of 200 concurrent requests and submissions is answered in full")
    func burst() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        var transactions: [Transaction] = []
        for index in 0..<100 { transactions.append(await node.transfer(ChainFixture.users[index % 4], amount: 1)) }
        let submissions = transactions
        try await withRPC(node.queries) { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask { try await client.get(index % 2 == 0 ? "/status" : "/block?height=1").status }
                }
                for transaction in submissions {
                    group.addTask { try await client.post("/tx", Hex.encode(transaction.canonicalBytes)).status }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.count == 200)
            // Submissions race: a sender's nonce n+1 may arrive before n and be refused (400).
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 400 })
            #expect(statuses.filter { $0 == 200 }.count >= 100)
            #expect(node.mempool.count == statuses.filter { $0 == 200 }.count - 100)
        }
    }

    @Test("connections over the limit are closed, and idle or slow connections time out")
    func connectionLimits() async throws {
        let node = try TestNode()
        let limits = HTTPServerLimits(connectionsMax: 2, readTimeoutMillis: 2_000)
        try await withRPC(node.queries, limits: limits) { client in
            let started = ContinuousClock.now
            // A slow client sends half a request and stops: closed after the read timeout.
            let slow = try await client.exchange(Array("GET /status HTTP/1.1\r\nHost: x\r\n".utf8))
            #expect(slow.closedWithoutResponse)
            #expect(ContinuousClock.now - started < .seconds(5))
            // Two idle connections fill the limit; a third is closed at once.
            async let first = client.exchange([], readTimeout: .seconds(3))
            async let second = client.exchange([], readTimeout: .seconds(3))
            try await Task.sleep(for: .milliseconds(100))
            let thirdStarted = ContinuousClock.now
            let third = try await client.exchange(Array("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            #expect(third.closedWithoutResponse)
            #expect(ContinuousClock.now - thirdStarted < .milliseconds(1_500), "refused at once, not by the 2 s read timeout")
            _ = try await (first, second)
            #expect(try await client.get("/health").status == 200, "slots free up again")
        }
    }
}
