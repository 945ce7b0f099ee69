import RatifyClient
import RatifyCore
import RatifyNode
import RatifyTestSupport
import Testing
@testable import RatifyRPC

/// `POST /tx?dry_run=true` over real sockets against the in-memory node's real mempool and
/// ledger: the answer a submission would get, with nothing admitted.
@Suite("RPC dry run")
struct DryRunTests {
    static func signed(_ sender: KeyPair = ChainFixture.alice, nonce: UInt64, fee: UInt64 = 5,
                       _ payload: TransactionPayload) -> Transaction {
        Transaction.signed(chainID: ChainFixture.chainID, sender: sender, nonce: nonce, fee: fee, payload: payload)
    }

    static let toBob = ChainFixture.bob.publicKey.address

    @Test("a good transfer: code 0, would_admit, tx_result code 0, and the mempool is unchanged; submitting it after gives the same hash")
    func goodTransfer() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { client in
            let transfer = Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 100))
            let dry = try await client.post("/tx?dry_run=true", Hex.encode(transfer.canonicalBytes))
            #expect(dry.status == 200, "\(dry.body)")
            #expect(text(dry, "hash") == transfer.hash.hex)
            #expect(text(dry, "code") == "0")
            #expect(text(dry, "would_admit") == "true")
            #expect(text(dry, "tx_result.code") == "0")
            #expect(text(dry, "tx_result.log") == "")
            #expect(node.mempool.count == 0)
            #expect(!node.mempool.contains(transfer.hash))
            // dry_run=false is an ordinary submission.
            let real = try await client.post("/tx?dry_run=false", Hex.encode(transfer.canonicalBytes))
            #expect(real.status == 200)
            #expect(text(real, "hash") == transfer.hash.hex)
            #expect(node.mempool.count == 1)
            // Now pending, the same transaction would be refused as a duplicate, as a submission is.
            let again = try await client.post("/tx?dry_run=true", Hex.encode(transfer.canonicalBytes))
            #expect(again.status == 409)
            #expect(text(again, "error.code") == "102")
            #expect(node.mempool.count == 1)
        }
    }

    @Test("a bad nonce is refused with the submission's 400 and code 3, counting the sender's pending transactions")
    func badNonce() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { client in
            _ = try await node.mempool.add(Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 1)).canonicalBytes)
            let stale = Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 2))
            let answer = try await client.post("/tx?dry_run=true", Hex.encode(stale.canonicalBytes))
            #expect(answer.status == 400)
            #expect(text(answer, "error.code") == "3")
            #expect(text(answer, "error.message") == "bad nonce: expected 1, got 0")
            // The next nonce after the pending one passes.
            let next = Self.signed(nonce: 1, .transfer(to: Self.toBob, amount: 2))
            #expect(try await client.post("/tx?dry_run=true", Hex.encode(next.canonicalBytes)).status == 200)
            #expect(node.mempool.count == 1)
        }
    }

    @Test("insufficient balance counts what the sender's pending transactions already spend: 400, code 6")
    func insufficientBalance() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { client in
            // 1,000,000 - (999,000 + fee 5) leaves 995 for the next transaction.
            _ = try await node.mempool.add(Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 999_000)).canonicalBytes)
            let tooMuch = Self.signed(nonce: 1, .transfer(to: Self.toBob, amount: 5_000))
            let answer = try await client.post("/tx?dry_run=true", Hex.encode(tooMuch.canonicalBytes))
            #expect(answer.status == 400)
            #expect(text(answer, "error.code") == "6")
            #expect(text(answer, "error.message") == "insufficient balance: have 995, need 5000 + fee 5")
            #expect(node.mempool.count == 1)
        }
    }

    @Test("a fee below the chain's minimum is refused with code 4, and a bad signature with code 2")
    func feeAndSignature() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { client in
            let cheap = Self.signed(nonce: 0, fee: 4, .transfer(to: Self.toBob, amount: 1))
            let answer = try await client.post("/tx?dry_run=true", Hex.encode(cheap.canonicalBytes))
            #expect(answer.status == 400)
            #expect(text(answer, "error.code") == "4")
            #expect(text(answer, "error.message") == "fee too low: minimum 5, got 4")
            var forged = Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 1))
            forged.signature = ChainFixture.bob.sign(forged.signBytes)
            let badSignature = try await client.post("/tx?dry_run=true", Hex.encode(forged.canonicalBytes))
            #expect(badSignature.status == 400)
            #expect(text(badSignature, "error.code") == "2")
            #expect(node.mempool.count == 0)
        }
    }

    @Test("an unstake from a validator that does not exist would be admitted but fail in a block: tx_result code 8 and the ledger's log")
    func payloadError() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { client in
            let unstake = Self.signed(nonce: 0, .unstake(validator: ChainFixture.bob.publicKey, amount: 10))
            let answer = try await client.post("/tx?dry_run=true", Hex.encode(unstake.canonicalBytes))
            #expect(answer.status == 200, "\(answer.body)")
            #expect(text(answer, "would_admit") == "true")
            #expect(text(answer, "tx_result.code") == "8")
            #expect(text(answer, "tx_result.log") == "unknown validator \(ChainFixture.bob.publicKey.hex)")
            #expect(node.mempool.count == 0)
            // The payload is judged after the sender's pending transactions: a pending transfer
            // of nearly everything makes a stake of the rest fail on balance, not on the nonce.
            _ = try await node.mempool.add(Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 999_000)).canonicalBytes)
            let stake = Self.signed(nonce: 1, .stake(validator: ChainFixture.validatorKeys[0].publicKey, amount: 900, name: ""))
            let afterPending = try await client.post("/tx?dry_run=true", Hex.encode(stake.canonicalBytes))
            #expect(afterPending.status == 200, "\(afterPending.body)")
            #expect(text(afterPending, "tx_result.code") == "0")
            #expect(node.mempool.count == 1)
        }
    }

    @Test("the CLI's client reads the verdict: ok, a payload failure with its code and log, and a refusal as the node's error")
    func clientVerdicts() async throws {
        let node = try TestNode(feeMin: 5)
        try await withRPC(node.queries) { raw in
            let sender = TransactionSender(client: RPCClientTests.client(raw))
            let good = try await sender.dryRun(Self.signed(nonce: 0, .transfer(to: Self.toBob, amount: 100)))
            #expect(good.wouldSucceed && good.code == 0)
            #expect(good.text.contains("verdict:  ok: the node would admit it"))
            let unstake = try await sender.dryRun(Self.signed(nonce: 0, .unstake(validator: ChainFixture.bob.publicKey, amount: 10)))
            #expect(!unstake.wouldSucceed && unstake.code == 8)
            #expect(unstake.log == "unknown validator \(ChainFixture.bob.publicKey.hex)")
            do throws(ClientError) {
                _ = try await sender.dryRun(Self.signed(nonce: 3, .transfer(to: Self.toBob, amount: 100)))
                Issue.record("a bad nonce must be refused")
            } catch {
                #expect(error == .rejected(status: 400, code: 3, message: "bad nonce: expected 0, got 3"))
            }
            #expect(node.mempool.count == 0)
        }
    }

    @Test("dry_run takes only true or false, and cannot wait for finality")
    func badQuery() async throws {
        let node = try TestNode()
        try await withRPC(node.queries) { client in
            let transfer = await node.transfer(ChainFixture.alice)
            let maybe = try await client.post("/tx?dry_run=maybe", Hex.encode(transfer.canonicalBytes))
            #expect(maybe.status == 400)
            #expect(text(maybe, "error.message") == "dry_run must be \"true\", \"false\" or absent, got \"maybe\"")
            let waiting = try await client.post("/tx?dry_run=true&wait=final", Hex.encode(transfer.canonicalBytes))
            #expect(waiting.status == 400)
            #expect(text(waiting, "error.message")?.hasPrefix("dry_run=true submits nothing") == true)
            #expect(node.mempool.count == 0)
        }
        try await withRPC(NodeQueries()) { client in
            let unwired = try await client.post("/tx?dry_run=true", "00")
            #expect(unwired.status == 503)
            #expect(text(unwired, "error.message")?.contains("dry run") == true)
        }
    }
}
