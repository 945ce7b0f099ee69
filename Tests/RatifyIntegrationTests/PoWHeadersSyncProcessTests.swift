import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// A proof-of-work node of real `ratify start` processes joining a chain it has never seen:
/// headers first from its peers, then the bodies from both of them.
@Suite("proof-of-work headers-first sync", .serialized)
struct PoWHeadersSyncProcessTests {
    static let chainBlocks = 3_000

    @Test("a fresh node joins a 3,000-block chain held by two peers: headers first, bodies from both, the same tip and app hash; killed mid-sync, it resumes from its store",
          .timeLimit(.minutes(3)))
    func freshNodeJoins() async throws {
        let directory = try TemporaryDirectory()
        // Block h is stamped genesis + h seconds (`PoWChainMaker`): all of them behind the clock.
        let genesisSeconds = Int64(Date().timeIntervalSince1970) - Int64(Self.chainBlocks) - 600
        guard let time = GenesisTime(unixSeconds: genesisSeconds) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 3, genesisTime: time)
        options.chainID = "pow-headers-sync"
        options.mode = .pow
        options.basePort = try #require(LocalPorts.freeBase(nodes: 3))
        options.pow.initialBits = 0x207f_ffff  // regtest: about two hashes a block
        options.pow.targetBlockMillis = 1_000
        var plan = try TestnetGenerator.plan(options)
        for index in plan.nodes.indices { plan.nodes[index].config.pow.miningThreads = 0 }
        let everyone = plan.nodes.map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress) }
        plan.nodes[0].config.p2p.persistentPeers = []
        plan.nodes[1].config.p2p.persistentPeers = []
        plan.nodes[2].config.p2p.persistentPeers = [everyone[0], everyone[1]]
        try TestnetGenerator.write(plan, to: directory.path)

        // node0 mines the chain offline; node1 holds a copy of the same store.
        let made = try PoWChainMaker.extend(homePath: "\(directory.path)/node0", count: Self.chainBlocks)
        #expect(made.height == UInt64(Self.chainBlocks))
        let data1 = NodeHome("\(directory.path)/node1").dataDirectory
        try? FileManager.default.removeItem(atPath: data1)
        try FileManager.default.copyItem(atPath: NodeHome("\(directory.path)/node0").dataDirectory, toPath: data1)

        let nodes = plan.nodes.indices.map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)
        try nodes[0].start()
        try nodes[1].start()
        for rpc in rpcs.prefix(2) {
            #expect(await PoWPartitionProcessTests.eventually(seconds: 30) {
                await PoWPartitionProcessTests.tip(rpc)?.height == UInt64(Self.chainBlocks)
            }, "the serving nodes come up at the chain's tip")
        }
        let served = try #require(await PoWPartitionProcessTests.tip(rpcs[0]))

        // The joiner is killed part way and restarted: it resumes from the blocks it stored.
        try nodes[2].start()
        var killedAt: UInt64 = 0
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            killedAt = await PoWPartitionProcessTests.tip(rpcs[2])?.height ?? 0
            return killedAt > 0
        }, "the joiner connects blocks; its log ends:\n\(nodes[2].log.suffix(1_500))")
        nodes[2].kill(SIGKILL)
        #expect(killedAt < UInt64(Self.chainBlocks), "killed mid-sync, at height \(killedAt)")
        try nodes[2].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 90) {
            await PoWPartitionProcessTests.tip(rpcs[2]) == served
        }, "the joiner reaches the served tip and app hash; its log ends:\n\(nodes[2].log.suffix(2_000))")

        let log = nodes[2].log
        #expect(log.contains("fetching block bodies"), "bodies are fetched after the headers")
        let synced = try #require(log.split(separator: "\n").last { $0.contains("block bodies synced") })
        for server in plan.nodes.prefix(2) {
            #expect(synced.contains(String(server.nodeID.hex.prefix(12))), "bodies came from both peers: \(synced)")
        }
        for node in nodes { node.kill(SIGTERM) }
    }
}
