import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// A 3-node proof-of-work network of real `ratify start` processes, partitioned and healed.
@Suite("proof-of-work localnet", .serialized)
struct PoWPartitionProcessTests {
    /// What `/status` says about a node's best chain.
    struct Tip: Equatable {
        var height: UInt64
        var hash: String
        var appHash: String
        var finalHeight: UInt64
    }

    static func tip(_ rpc: HostPort) async -> Tip? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/status"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let sync = object["sync_info"] as? [String: Any], let pow = object["pow"] as? [String: Any],
              let height = (sync["latest_block_height"] as? NSNumber)?.uint64Value,
              let appHash = sync["latest_app_hash"] as? String, let hash = pow["tip_hash"] as? String,
              let final = (pow["final_height"] as? NSNumber)?.uint64Value else { return nil }
        return Tip(height: height, hash: hash, appHash: appHash, finalHeight: final)
    }

    /// Polls every 100 ms for at most `seconds`.
    static func eventually(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return await condition()
    }

    static func submit(_ transaction: Transaction, to rpc: HostPort, waitFinal: Bool = false) async throws -> (status: Int, body: String) {
        try await HTTP.request("http://\(rpc.host):\(rpc.port)/tx\(waitFinal ? "?wait=final" : "")", method: "POST",
                               body: Hex.encode(transaction.canonicalBytes))
    }

    @Test("partitioned, A and B+C mine competing forks; healed, all three converge on the most-work tip and one ledger state, and the losing fork's transactions return to the mempool and end up in the chain; a SIGKILLed node recovers",
          .timeLimit(.minutes(3)))
    func partitionAndHeal() async throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 3, genesisTime: time)
        options.chainID = "pow-partition"
        options.mode = .pow
        options.basePort = try #require(LocalPorts.freeBase(nodes: 3))
        // About 1.2 million hashes a block: well under a second for three debug-build miners.
        options.pow.initialBits = 0x1f00_0e00
        options.pow.targetBlockMillis = 500
        options.pow.asertHalfLifeSeconds = 60
        options.pow.confirmations = 3
        var plan = try TestnetGenerator.plan(options)
        // The partition: A (node0) knows no peer; B and C know only each other.
        let everyone = plan.nodes.map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress) }
        plan.nodes[0].config.p2p.persistentPeers = []
        plan.nodes[1].config.p2p.persistentPeers = [everyone[2]]
        plan.nodes[2].config.p2p.persistentPeers = [everyone[1]]
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = plan.nodes.indices.map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        for node in nodes { try node.start() }

        // Both sides mine.
        #expect(await Self.eventually(seconds: 40) {
            guard let a = await Self.tip(rpcs[0]), let b = await Self.tip(rpcs[1]) else { return false }
            return a.height >= 4 && b.height >= 6
        }, "both sides mine: A's log ends:\n\(nodes[0].log.suffix(1_500))")

        // A transfer on each side, mined into that side's fork.
        let recipient = KeyPair.generate().publicKey.address
        var transfers: [Transaction] = []
        for side in [0, 1] {
            let key = try NodeHome(nodes[side].home).loadValidatorKey()
            let transaction = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: 0, fee: 1,
                                                 payload: .transfer(to: recipient, amount: 100 + UInt64(side)))
            let reply = try await Self.submit(transaction, to: rpcs[side])
            #expect(reply.status == 200, "\(reply.body)")
            transfers.append(transaction)
        }
        for (side, transaction) in transfers.enumerated() {
            #expect(await Self.eventually(seconds: 30) {
                (try? await HTTP.request("http://\(rpcs[side].host):\(rpcs[side].port)/tx/\(transaction.hash.hex)"))?.status == 200
            }, "the transfer is mined on side \(side)")
        }
        let forkA = await Self.tip(rpcs[0]), forkB = await Self.tip(rpcs[1])
        #expect(forkA != nil && forkB != nil && forkA?.hash != forkB?.hash, "the sides are on different forks: \(String(describing: forkA)) \(String(describing: forkB))")

        // Heal: A restarts knowing B and C.
        nodes[0].kill(SIGTERM)
        var healed = plan.nodes[0].config
        healed.p2p.persistentPeers = [everyone[1], everyone[2]]
        try healed.tomlText.write(toFile: NodeHome(nodes[0].home).configFile, atomically: true, encoding: .utf8)
        try nodes[0].start()

        var converged: Tip?
        #expect(await Self.eventually(seconds: 45) {
            let tips = await [Self.tip(rpcs[0]), Self.tip(rpcs[1]), Self.tip(rpcs[2])]
            guard let first = tips[0], tips.allSatisfy({ $0 == first }) else { return false }
            converged = first
            return true
        }, "all three converge on one tip and one app hash; A's log ends:\n\(nodes[0].log.suffix(2_000))")
        let reorged = nodes.filter { $0.log.contains("reorg_depth=") }
        #expect(!reorged.isEmpty, "a fork lost: some node reorganized")
        #expect(nodes.contains { $0.log.contains("returned disconnected transactions to the mempool") },
                "the losing fork's transfer went back to a mempool")

        // Both transfers, the losing fork's included, end up in the chain every node follows.
        for transaction in transfers {
            #expect(await Self.eventually(seconds: 40) {
                for rpc in rpcs {
                    guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/tx/\(transaction.hash.hex)"),
                          reply.status == 200 else { return false }
                }
                return true
            }, "transfer \(transaction.hash.short) is in the chain on every node")
        }
        let balance = try await HTTP.request("http://\(rpcs[2].host):\(rpcs[2].port)/account/\(recipient.hex)")
        #expect(balance.body.contains("\"201\""), "the recipient holds both transfers: \(balance.body)")

        // k-confirmation finality over RPC on the converged network.
        let key = try NodeHome(nodes[2].home).loadValidatorKey()
        let final = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: 0, fee: 1, payload: .transfer(to: recipient, amount: 5))
        let reply = try await Self.submit(final, to: rpcs[2], waitFinal: true)
        #expect(reply.status == 200 && reply.body.contains("latency_ms"), "wait=final answers once 3 blocks are on top: \(reply.body)")
        if let converged {
            let now = await Self.tip(rpcs[2])
            #expect((now?.finalHeight ?? 0) > converged.finalHeight)
        }

        // SIGKILL mid-mining: B reopens on a consistent tip and state, and rejoins.
        let beforeKill = await Self.tip(rpcs[1])
        nodes[1].kill(SIGKILL)
        try nodes[1].start()
        #expect(await Self.eventually(seconds: 30) {
            guard let b = await Self.tip(rpcs[1]), let c = await Self.tip(rpcs[2]) else { return false }
            return b == c && b.height > (beforeKill?.height ?? 0)
        }, "B recovers after SIGKILL and follows C again; its log ends:\n\(nodes[1].log.suffix(1_500))")
        for node in nodes { node.kill(SIGTERM) }
    }
}
