import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// Transactions through the RPC of a real 4-validator network, and a late non-validator.
@Suite("transactions and a late follower", .serialized)
struct TransactionFlowTests {
    @Test("200 transfers submitted over RPC all become final; a late non-validator syncs the whole chain; all stores agree")
    func transfersAndLateFollower() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 5, genesisTime: time)
        options.chainID = "transactions"
        options.basePort = try #require(LocalPorts.freeBase(nodes: 5))
        options.heartbeatMillis = 200
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutProposeMillis = 1_000
        plan.genesis.consensus.timeoutCommitMillis = 50
        // node4 is not in the validator set: it follows the chain without voting.
        plan.genesis.validators.removeLast()
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<5).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes.prefix(4) { try node.start() }
        #expect(eventually(seconds: 60) { nodes.prefix(4).allSatisfy { $0.height >= 2 } })

        // 50 transfers from each validator's funded account, each sender through its own node's RPC.
        let recipient = KeyPair.generate().publicKey.address
        var hashes: [Hash] = []
        for sender in 0..<4 {
            let key = try NodeHome(nodes[sender].home).loadValidatorKey()
            for nonce in 0..<50 {
                let transaction = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: UInt64(nonce), fee: 1,
                                                     payload: .transfer(to: recipient, amount: 10))
                let rpc = plan.nodes[sender].config.rpc.listenAddress  // one sender, one node: nonces stay in order
                let reply = try await HTTP.request("http://\(rpc.host):\(rpc.port)/tx", method: "POST",
                                                   body: Hex.encode(transaction.canonicalBytes))
                #expect(reply.status == 200, "submission \(sender)/\(nonce): \(reply.body)")
                hashes.append(transaction.hash)
            }
        }
        let rpc0 = plan.nodes[0].config.rpc.listenAddress
        var unfinished = hashes
        let deadline = Date().addingTimeInterval(60)
        while !unfinished.isEmpty, Date() < deadline {
            var still: [Hash] = []
            for hash in unfinished {
                let reply = try await HTTP.request("http://\(rpc0.host):\(rpc0.port)/tx/\(hash.hex)")
                if reply.status != 200 { still.append(hash) } else { #expect(reply.body.contains("\"code\" : 0") || reply.body.contains("\"code\": 0"), "\(reply.body)") }
            }
            unfinished = still
            if !unfinished.isEmpty { try await Task.sleep(nanoseconds: 200_000_000) }
        }
        #expect(unfinished.isEmpty, "\(unfinished.count) of 200 transfers never became final")
        let account = try await HTTP.request("http://\(rpc0.host):\(rpc0.port)/account/\(recipient.hex)")
        #expect(account.body.contains("\"2000\""), "the recipient holds 200 × 10: \(account.body)")

        // Told final, found at once: a node answers wait=final at the decision, before its store
        // commit, and serves the height from memory until stored. Right after each answer the
        // same node finds the transaction, its block and commit, the set the block decided, and
        // reports the height in /status.
        for nonce in 50..<53 {
            for sender in 0..<4 {
                let key = try NodeHome(nodes[sender].home).loadValidatorKey()
                let transaction = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: UInt64(nonce), fee: 1,
                                                     payload: .transfer(to: recipient, amount: 10))
                let rpc = plan.nodes[sender].config.rpc.listenAddress
                let base = "http://\(rpc.host):\(rpc.port)"
                let final = try await HTTP.request("\(base)/tx?wait=final", method: "POST", body: Hex.encode(transaction.canonicalBytes))
                #expect(final.status == 200, "wait=final \(sender)/\(nonce): \(final.body)")
                let height = try #require(Self.number(final.body, at: ["height"]), "\(final.body)")
                for path in ["/tx/\(transaction.hash.hex)", "/block?height=\(height)", "/commit?height=\(height)",
                             "/validators?height=\(height + 2)"] {
                    let reply = try await HTTP.request(base + path)
                    #expect(reply.status == 200, "\(path) right after node\(sender) said final: \(reply.body)")
                }
                let status = try await HTTP.request(base + "/status")
                #expect((Self.number(status.body, at: ["sync_info", "latest_block_height"]) ?? 0) >= height, "\(status.body)")
            }
        }

        // The follower starts late, syncs every block from its peers and then follows.
        try nodes[4].start()
        #expect(eventually(seconds: 90) { nodes[4].height >= nodes[0].height && nodes[4].height > 0 },
                "the late follower syncs: \(nodes.map(\.height)); its log ends:\n\(nodes[4].log.suffix(2_000))")
        let followed = nodes[0].height + 3
        #expect(eventually(seconds: 60) { nodes[4].height >= followed }, "and then follows new blocks")

        for node in nodes { node.kill(SIGTERM) }
        let agreement = try StoreAgreement(homes: nodes.map(\.home), genesisHash: plan.genesis.genesisHash)
        #expect(agreement.commonHeight >= followed)
        #expect(agreement.disagreements.isEmpty, "stores disagree at heights \(agreement.disagreements)")
    }

    /// A number in a JSON body, at a path of object keys.
    static func number(_ body: String, at path: [String]) -> UInt64? {
        var value: Any? = try? JSONSerialization.jsonObject(with: Data(body.utf8))
        for key in path { value = (value as? [String: Any])?[key] }
        return (value as? NSNumber)?.uint64Value
    }
}
