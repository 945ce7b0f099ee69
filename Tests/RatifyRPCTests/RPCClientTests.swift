import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import RatifyTestSupport
import Testing
@testable import RatifyRPC

/// The CLI's client (RPCClient, TransactionSender, ClientQueries) against the real RPC server
/// on a socket, over an in-memory chain that finalizes blocks when the test says so.
@Suite("RPC client over real sockets")
struct RPCClientTests {
    static func client(_ raw: RawHTTPClient) -> RPCClient {
        RPCClient(node: NodeURL(endpoint: HostPort(host: "127.0.0.1", port: UInt16(raw.port))))
    }

    /// Waits until the mempool holds `count` transactions, then finalizes a block.
    static func finalizeWhenPending(_ node: TestNode, count: Int = 1) async throws {
        var polls = 0
        while node.mempool.count < count && polls < 500 {
            try await Task.sleep(for: .milliseconds(10))
            polls += 1
        }
        try await node.finalizeBlock()
    }

    @Test("a transfer is signed for the node's chain with the fetched nonce, accepted, final, and shows in the account")
    func transfer() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { raw in
            let sender = TransactionSender(client: Self.client(raw))
            let to = ChainFixture.carol.publicKey.address
            let pending = try await sender.send(.transfer(to: to, amount: 250), from: ChainFixture.alice, options: TransactionOptions())
            #expect(pending.chainID == ChainFixture.chainID)
            #expect(pending.nonce == 0)
            #expect(pending.height == nil)
            #expect(node.mempool.contains(pending.hash))
            try await node.finalizeBlock()

            // --wait: the answer comes once a block holds it, with the height and latency.
            async let waited = sender.send(.transfer(to: to, amount: 5), from: ChainFixture.alice, options: TransactionOptions(waitFinal: true))
            try await Self.finalizeWhenPending(node)
            let final = try await waited
            #expect(final.nonce == 1)
            #expect(final.height == 2)
            #expect(final.latencyMillis != nil)
            #expect(final.confirmedBy == .events, "finality learned from GET /events?tx=HASH")
            #expect(final.text.contains("height:   2"))

            let queries = ClientQueries(client: Self.client(raw))
            let account = try await queries.account(to)
            #expect(account.json["balance"]?.uint64Value == 1_000_255)
            #expect(account.text.contains("balance: 1000255"))
            let lookup = try await queries.transaction(pending.hash)
            #expect(lookup.text.contains("result: success"))
        }
    }

    @Test("--wait on a node that serves no event stream falls back to POST /tx?wait=final; a transaction never final is a clear timeout error")
    func waitWithoutEvents() async throws {
        let node = try TestNode()
        var queries = node.queries
        queries.events = nil
        try await withRPC(queries) { raw in
            let sender = TransactionSender(client: Self.client(raw))
            let to = ChainFixture.carol.publicKey.address
            async let waited = sender.send(.transfer(to: to, amount: 5), from: ChainFixture.alice, options: TransactionOptions(waitFinal: true))
            try await Self.finalizeWhenPending(node)
            let final = try await waited
            #expect(final.height == 1)
            #expect(final.confirmedBy == .waitFinal)
            #expect(final.json["confirmed_by"] == .string("wait=final"))
        }
        try await withRPC(node.queries) { raw in
            var sender = TransactionSender(client: Self.client(raw))
            sender.finalityTimeout = .seconds(1)
            let to = ChainFixture.carol.publicKey.address
            do {
                _ = try await sender.send(.transfer(to: to, amount: 6), from: ChainFixture.alice, options: TransactionOptions(waitFinal: true))
                Issue.record("no block is made, so the transaction cannot be final")
            } catch let error as ClientError {
                guard case .notFinal(let hash, let seconds) = error else { Issue.record("got \(error)"); return }
                #expect(seconds == 1)
                #expect(node.mempool.count == 1, "it was admitted")
                #expect(error.description == "transaction \(hash) was accepted but is not final after 1 s; look it up later with `ratify query tx \(hash)`")
            }
        }
    }

    @Test("without --fee the client pays the chain's min_fee from /status; a lower --fee is refused with the minimum")
    func defaultFeeFollowsTheChain() async throws {
        let node = try TestNode(feeMin: 7)
        try await withRPC(node.queries) { raw in
            let status = try await raw.get("/status")
            #expect(text(status, "node_info.min_fee") == "7")
            let sender = TransactionSender(client: Self.client(raw))
            let to = ChainFixture.carol.publicKey.address
            let paid = try await sender.send(.transfer(to: to, amount: 3), from: ChainFixture.alice, options: TransactionOptions())
            #expect(paid.fee == 7)
            #expect(node.mempool.contains(paid.hash))
            func refusal(fee: UInt64) async -> ClientError? {
                do {
                    _ = try await sender.send(.transfer(to: to, amount: 3), from: ChainFixture.bob, options: TransactionOptions(fee: fee))
                    return nil
                } catch { return error }
            }
            #expect(await refusal(fee: 6) == .rejected(status: 400, code: 4, message: "fee too low: minimum 7, got 6"))
        }
    }

    @Test("the node's refusals come back as the ledger's one-line errors: insufficient balance, replayed nonce, wrong chain")
    func refusals() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { raw in
            let sender = TransactionSender(client: Self.client(raw))
            let to = ChainFixture.carol.publicKey.address
            func refusal(_ payload: TransactionPayload, _ options: TransactionOptions = TransactionOptions()) async -> ClientError? {
                do { _ = try await sender.send(payload, from: ChainFixture.alice, options: options); return nil } catch { return error }
            }
            #expect(await refusal(.transfer(to: to, amount: 5_000_000))
                    == .rejected(status: 400, code: 6, message: "insufficient balance: have 1000000, need 5000000 + fee 1"))
            _ = try await sender.send(.transfer(to: to, amount: 1), from: ChainFixture.alice, options: TransactionOptions())
            try await node.finalizeBlock()
            #expect(await refusal(.transfer(to: to, amount: 1), TransactionOptions(nonce: 0))
                    == .rejected(status: 400, code: 3, message: "bad nonce: expected 1, got 0"))
            let wrongChain = await refusal(.transfer(to: to, amount: 1), TransactionOptions(chainID: "other-chain"))
            #expect(wrongChain?.description == "wrong chain id: transaction is for \"other-chain\", this chain is \"node-test\"")
            #expect(wrongChain?.code == 1)
            #expect(node.mempool.count == 0, "nothing refused is pending")
        }
    }

    @Test("the default nonce is the committed one: a second transaction while the first is pending is refused, --nonce continues the sequence")
    func defaultNonceIgnoresPending() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { raw in
            let sender = TransactionSender(client: Self.client(raw))
            let to = ChainFixture.carol.publicKey.address
            let first = try await sender.send(.transfer(to: to, amount: 1), from: ChainFixture.alice, options: TransactionOptions())
            #expect(first.nonce == 0)
            do throws(ClientError) {
                _ = try await sender.send(.transfer(to: to, amount: 2), from: ChainFixture.alice, options: TransactionOptions())
                Issue.record("a second default-nonce transaction must be refused while the first is pending")
            } catch {
                #expect(error == .rejected(status: 400, code: 3, message: "bad nonce: expected 1, got 0"))
            }
            let second = try await sender.send(.transfer(to: to, amount: 2), from: ChainFixture.alice, options: TransactionOptions(nonce: 1))
            #expect(node.mempool.count == 2)
            try await node.finalizeBlock()
            let third = try await sender.send(.transfer(to: to, amount: 3), from: ChainFixture.alice, options: TransactionOptions())
            #expect(third.nonce == 2, "once both are final the default is right again (second: \(second.nonce))")
        }
    }

    @Test("with --wait, a final transaction whose payload failed is an error carrying the ledger's message and code")
    func failedInBlock() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { raw in
            let sender = TransactionSender(client: Self.client(raw))
            // Staking to a key nobody registered passes the mempool and fails in the block.
            let stranger = ChainFixture.key(99).publicKey
            async let sent = sender.send(.stake(validator: stranger, amount: 10, name: ""), from: ChainFixture.bob,
                                         options: TransactionOptions(waitFinal: true))
            try await Self.finalizeWhenPending(node)
            do {
                _ = try await sent
                Issue.record("the stake must fail in the block")
            } catch let error as ClientError {
                guard case .failedInBlock(let code, let log, _, let height) = error else { Issue.record("got \(error)"); return }
                #expect(code == 8)
                #expect(log == "unknown validator \(stranger.hex)")
                #expect(height == 1)
                #expect(error.description.hasPrefix("unknown validator \(stranger.hex) (transaction "))
            }
            let bob = try await ClientQueries(client: Self.client(raw)).account(ChainFixture.bob.publicKey.address)
            #expect(bob.json["nonce"]?.uint64Value == 1, "the nonce advanced")
            #expect(bob.json["balance"]?.uint64Value == 999_999, "only the fee was charged")
        }
    }

    @Test("validator queries: the set with names and shares, one validator's record, 404 for an unregistered key")
    func validatorQueries() async throws {
        let node = try TestNode()
        try await node.finalizeBlock()
        try await withRPC(node.queries) { raw in
            let queries = ClientQueries(client: Self.client(raw))
            let set = try await queries.validators(height: 1)
            #expect(set.text.hasPrefix("validator set at height 1: 4 validator(s), total voting power 40\nNAME"))
            for index in 0..<4 { #expect(set.text.contains("v\(index) ")) }
            #expect(set.text.contains("25.00%"))
            let key = ChainFixture.validatorKeys[2].publicKey
            let one = try await queries.validator(key.hex)
            #expect(one.json["name"]?.stringValue == "v2")
            #expect(one.json["bonded"]?.uint64Value == 10_000)
            #expect(one.json["voting_power"]?.intValue == 10)
            #expect(one.text.contains("jailed:        no"))
            let byAddress = try await queries.validator(key.address.hex)
            #expect(byAddress.json == one.json)
            do {
                _ = try await queries.validator(ChainFixture.alice.publicKey.hex)
                Issue.record("alice is not a validator")
            } catch let error as ClientError {
                #expect(error.code == 404)
                #expect(error.description.hasPrefix("no validator \(ChainFixture.alice.publicKey.hex) is registered"))
            }
        }
    }

    @Test("a port with no server is reported as unreachable; a server that is not an RPC as a bad answer")
    func unreachable() async throws {
        let client = RPCClient(node: NodeURL(endpoint: HostPort(host: "127.0.0.1", port: 1)))
        await #expect(throws: ClientError.unreachable(node: "http://127.0.0.1:1", reason: "connection refused")) {
            _ = try await client.get("/status")
        }
        try await withRPC(NodeQueries()) { raw in
            do {
                _ = try await ClientQueries(client: Self.client(raw)).status()
                Issue.record("an unwired status must fail")
            } catch let error as ClientError {
                #expect(error.code == 503)
            }
        }
    }
}

extension TransactionSender {
    /// Signs and submits in one step, as `ratify tx ... --yes` does.
    func send(_ payload: TransactionPayload, from key: KeyPair, options: TransactionOptions) async throws(ClientError) -> SubmitOutcome {
        try await submit(try await signed(payload, from: key, options: options), waitFinal: options.waitFinal)
    }
}
