import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// Hybrid networks of real `ratify start` processes: miners extend the chain, the staking
/// ledger's validators finalize it with Casper FFG checkpoint votes.
@Suite("hybrid localnet", .serialized)
struct HybridProcessTests {
    /// A checkpoint as `/status` shows it.
    struct CheckpointStatus: Equatable {
        var epoch: UInt64
        var height: UInt64
        var hash: String
    }

    static func latestFinalized(_ rpc: HostPort) async -> CheckpointStatus? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/status"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let pow = object["pow"] as? [String: Any], let finalized = pow["latest_finalized"] as? [String: Any],
              let epoch = (finalized["epoch"] as? NSNumber)?.uint64Value, let height = (finalized["height"] as? NSNumber)?.uint64Value,
              let hash = finalized["hash"] as? String else { return nil }
        return CheckpointStatus(epoch: epoch, height: height, hash: hash)
    }

    /// A hybrid testnet on free ports, epochs of 4 blocks and about 1.2 million hashes a block,
    /// as in PoWPartitionProcessTests: fast on debug-build miners.
    static func fastHybridOptions(validators: Int, chainID: String) throws -> TestnetGenerator.Options {
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: validators, genesisTime: time)
        options.chainID = chainID
        options.mode = .hybrid
        options.basePort = try #require(LocalPorts.freeBase(nodes: validators))
        options.pow.initialBits = 0x1f00_0e00
        options.pow.targetBlockMillis = 500
        options.pow.asertHalfLifeSeconds = 60
        options.hybridEpochLength = 4
        return options
    }

    /// The best chain's block hash at `height` on the node behind `rpc` (display order).
    static func blockHash(_ rpc: HostPort, height: UInt64) async -> String? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/block?height=\(height)"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let id = object["block_id"] as? [String: Any] else { return nil }
        return id["hash"] as? String
    }

    @Test("five validators finalize checkpoints every node agrees on; wait=final answers at a finalized checkpoint; a validator made to cast a surround vote is slashed and tombstoned through the ledger; a SIGKILLed node resumes finality from its stored votes",
          .timeLimit(.minutes(4)))
    func finalizeAgreeAndSlash() async throws {
        let directory = try TemporaryDirectory()
        // Five, so that with the surround voter slashed and one more node restarting, three of
        // the four left still hold more than 2/3 of the stake.
        var plan = try TestnetGenerator.plan(Self.fastHybridOptions(validators: 5, chainID: "hybrid-finality"))
        // Four miners are enough for this machine's two cores; the surround voter only votes.
        plan.nodes[4].config.pow.miningThreads = 0
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = plan.nodes.indices.map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        for node in nodes.prefix(4) { try node.start() }
        try nodes[4].start(environment: ["RATIFY_TEST_FFG_SURROUND_VOTE": "1"])

        // Two checkpoints finalized (epoch 2 and later), on node 0 first.
        var finalized: CheckpointStatus?
        #expect(await PoWPartitionProcessTests.eventually(seconds: 120) {
            finalized = await Self.latestFinalized(rpcs[0])
            return (finalized?.epoch ?? 0) >= 2
        }, "node 0 finalizes two checkpoints; its log ends:\n\(nodes[0].log.suffix(2_000))")
        let checkpoint = try #require(finalized)
        #expect(checkpoint.height == checkpoint.epoch * 4)

        // Every node finalizes it too, and holds the same block there.
        for (index, rpc) in rpcs.enumerated() {
            #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
                guard let theirs = await Self.latestFinalized(rpc), theirs.epoch >= checkpoint.epoch else { return false }
                return await Self.blockHash(rpc, height: checkpoint.height) == checkpoint.hash
            }, "node \(index) finalizes epoch \(checkpoint.epoch) at \(checkpoint.hash); its log ends:\n\(nodes[index].log.suffix(1_500))")
        }
        for node in nodes { #expect(node.log.contains("checkpoint finalized")) }

        // Node 4's surround vote becomes evidence, a miner includes it, the ledger tombstones node 4.
        let cheater = plan.nodes[4].validatorKey.publicKey
        #expect(nodes[4].log.contains("casting a surround vote"))
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            guard let reply = try? await HTTP.request("http://\(rpcs[0].host):\(rpcs[0].port)/validator/\(cheater.hex)") else { return false }
            return reply.body.contains("\"tombstoned\":true") || reply.body.contains("\"tombstoned\": true")
        }, "node 4 is tombstoned; node 0's log ends:\n\(nodes[0].log.suffix(1_500))")
        #expect(nodes.contains { $0.log.contains("checkpoint slashing evidence") })
        // The nodes that saw the conflicting votes count the evidence; hybrid nodes serve the
        // proof-of-work metrics and none of proof of stake's consensus ones.
        var surroundVotesSeen = 0.0
        for port in plan.nodes.map(\.config.instrumentation.prometheusListenAddress.port) {
            let scrape = try #require(await MetricsProcessTests.scrape(port))
            surroundVotesSeen += scrape.samples["ratify_evidence_seen_total{kind=\"checkpoint_surround_vote\"}"] ?? 0
            #expect(scrape.typed.contains("ratify_pow_hashes_total") && !scrape.typed.contains("ratify_consensus_rounds")
                    && !scrape.typed.contains("ratify_validator_power"), "\(scrape.typed.sorted())")
        }
        #expect(surroundVotesSeen >= 1)

        // wait=final answers once the transfer's block is at or below a finalized checkpoint.
        let key = try NodeHome(nodes[0].home).loadValidatorKey()
        let recipient = KeyPair.generate().publicKey.address
        // Node 0's account may also have sent slashing evidence: take the nonce the ledger expects,
        // again while an evidence transaction of its own is still pending.
        var reply = (status: 0, body: "")
        for _ in 0..<10 {
            let account = try await HTTP.request("http://\(rpcs[0].host):\(rpcs[0].port)/account/\(key.publicKey.address.hex)")
            let object = try JSONSerialization.jsonObject(with: Data(account.body.utf8)) as? [String: Any]
            let nonce = (object?["nonce"] as? NSNumber)?.uint64Value ?? 0
            let transfer = Transaction.signed(chainID: plan.genesis.chainID, sender: key, nonce: nonce, fee: 1,
                                              payload: .transfer(to: recipient, amount: 7))
            reply = try await PoWPartitionProcessTests.submit(transfer, to: rpcs[1], waitFinal: true)
            guard reply.body.contains("bad nonce") else { break }
            try await Task.sleep(nanoseconds: 1_000_000_000)
        }
        #expect(reply.status == 200 && reply.body.contains("latency_ms"), "wait=final: \(reply.body)")
        if let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
           let height = (object["height"] as? NSNumber)?.uint64Value {
            let now = await Self.latestFinalized(rpcs[1])
            #expect(height <= now?.height ?? 0, "the transfer at height \(height) is at or below the finalized checkpoint \(String(describing: now))")
        } else {
            Issue.record("wait=final reply without a height: \(reply.body)")
        }

        // Finality goes on with the three honest validators.
        let afterSlash = await Self.latestFinalized(rpcs[0])
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            (await Self.latestFinalized(rpcs[0]))?.epoch ?? 0 > (afterSlash?.epoch ?? 0)
        }, "finality resumes without node 4")

        // SIGKILL node 1: it counts its stored votes again, comes back at its finalized
        // checkpoint, and finalizes later ones with the others.
        let beforeKill = try #require(await Self.latestFinalized(rpcs[1]))
        nodes[1].kill(SIGKILL)
        try nodes[1].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            guard let now = await Self.latestFinalized(rpcs[1]), now.epoch > beforeKill.epoch else { return false }
            return await Self.blockHash(rpcs[0], height: now.height) == now.hash
        }, "node 1 finalizes past epoch \(beforeKill.epoch) after a restart; its log ends:\n\(nodes[1].log.suffix(1_500))")
        #expect(nodes[1].log.contains("checkpoint votes counted again"))
        for node in nodes { node.kill(SIGTERM) }
    }

    /// The best chain's cumulative work on the node behind `rpc` (64 hex digits: they compare as strings).
    static func chainWork(_ rpc: HostPort) async -> String? {
        guard let reply = try? await HTTP.request("http://\(rpc.host):\(rpc.port)/status"), reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let pow = object["pow"] as? [String: Any] else { return nil }
        return pow["chain_work"] as? String
    }

    @Test("partitioned, one validator mining twice as fast builds a fork with more work; the three others finalize checkpoints and, healed, never leave them, and the minority follows them",
          .timeLimit(.minutes(4)))
    func minorityForkWithMoreWork() async throws {
        let directory = try TemporaryDirectory()
        var plan = try TestnetGenerator.plan(Self.fastHybridOptions(validators: 4, chainID: "hybrid-partition"))
        // The minority (node 0) mines on two threads alone; of the majority only node 1 mines, on one.
        let everyone = plan.nodes.map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress) }
        plan.nodes[0].config.p2p.persistentPeers = []
        plan.nodes[0].config.pow.miningThreads = 2
        for index in 1...3 {
            plan.nodes[index].config.p2p.persistentPeers = everyone.enumerated().filter { $0.offset != 0 && $0.offset != index }.map(\.element)
            plan.nodes[index].config.pow.miningThreads = index == 1 ? 1 : 0
        }
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = plan.nodes.indices.map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        for node in nodes { try node.start() }

        // The majority finalizes; the minority's fork carries more work and finalizes nothing.
        var finalized: CheckpointStatus?
        #expect(await PoWPartitionProcessTests.eventually(seconds: 120) {
            guard let majority = await Self.latestFinalized(rpcs[1]), majority.epoch >= 2,
                  let minorityWork = await Self.chainWork(rpcs[0]), let majorityWork = await Self.chainWork(rpcs[1]) else { return false }
            finalized = majority
            return minorityWork > majorityWork
        }, "the majority finalizes epoch 2 and the minority's fork has more work; node 1's log ends:\n\(nodes[1].log.suffix(1_500))")
        let checkpoint = try #require(finalized)
        #expect((await Self.latestFinalized(rpcs[0]))?.epoch == 0, "one validator of four finalizes nothing")
        #expect(await Self.blockHash(rpcs[0], height: checkpoint.height) != checkpoint.hash, "the minority is on another fork")

        // Heal: node 0 restarts knowing the others.
        nodes[0].kill(SIGTERM)
        var healed = plan.nodes[0].config
        healed.p2p.persistentPeers = Array(everyone.dropFirst())
        try healed.tomlText.write(toFile: NodeHome(nodes[0].home).configFile, atomically: true, encoding: .utf8)
        try nodes[0].start()

        // Node 0 learns the votes and blocks, leaves its heavier fork for the finalized checkpoint.
        #expect(await PoWPartitionProcessTests.eventually(seconds: 90) {
            guard let theirs = await Self.latestFinalized(rpcs[0]), theirs.epoch >= checkpoint.epoch else { return false }
            return await Self.blockHash(rpcs[0], height: checkpoint.height) == checkpoint.hash
        }, "node 0 finalizes the majority's checkpoint; its log ends:\n\(nodes[0].log.suffix(2_000))")
        #expect(nodes[0].log.contains("reorg_depth="), "node 0 left its fork")
        // The majority never left its finalized checkpoint, whatever work node 0's fork carried.
        for index in 1...3 {
            #expect(await Self.blockHash(rpcs[index], height: checkpoint.height) == checkpoint.hash)
            #expect(!nodes[index].log.contains("refusing a reorganization below the latest finalized checkpoint"))
        }
        for node in nodes { node.kill(SIGTERM) }
    }
}
