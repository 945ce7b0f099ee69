import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// Real validators as separate processes on loopback, from a fresh testnet.
@Suite("validator processes", .serialized)
struct LocalnetProcessTests {
    /// A fresh 4-validator testnet with short timeouts, on ports unlikely to be in use; `hosts`
    /// gives each validator its own address (see `TestnetGenerator.Options.hosts`).
    static func makeTestnet(in directory: String, validators: Int = 4, chainID: String = "integration", hosts: [String]? = nil,
                            configure: (inout Genesis) -> Void = { _ in }) throws -> (TestnetGenerator.Plan, [String]) {
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: validators, genesisTime: time)
        options.chainID = chainID
        options.hosts = hosts
        // One spare block after the last node, for a node a test starts later (staking's fifth).
        options.basePort = try #require(LocalPorts.freeBase(nodes: validators + 1))
        options.heartbeatMillis = 200
        var plan = try TestnetGenerator.plan(options)
        plan.genesis.consensus.timeoutProposeMillis = 1_000
        plan.genesis.consensus.timeoutCommitMillis = 50
        configure(&plan.genesis)
        try TestnetGenerator.write(plan, to: directory)
        return (plan, (0..<validators).map { "\(directory)/node\($0)" })
    }

    @Test("four validators finalize; one killed with SIGKILL, the others go on; restarted, it catches up; all stores agree")
    func killAndCatchUp() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try Self.makeTestnet(in: directory.path)
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }

        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= 5 } }, "heights: \(nodes.map(\.height))")

        let victim = nodes[3]
        victim.kill(SIGKILL)
        let heightAtKill = nodes[0].height
        #expect(eventually(seconds: 60) { nodes.prefix(3).allSatisfy { $0.height >= heightAtKill + 5 } },
                "three of four validators must keep finalizing: \(nodes.map(\.height))")

        try victim.start()
        let target = nodes[0].height + 3
        #expect(eventually(seconds: 90) { victim.height >= target },
                "the restarted validator must catch up to \(target), is at \(victim.height); heights \(nodes.map(\.height)); its log ends:\n\(victim.log.suffix(3_000))\nnode0's log ends:\n\(nodes[0].log.suffix(3_000))")

        for node in nodes { node.kill(SIGTERM) }
        #expect(nodes.allSatisfy { $0.log.contains("stopped cleanly") }, "every node stops cleanly on SIGTERM")

        try Self.expectStoresAgree(plan: plan, homes: homes, commonHeightAtLeast: target - 1)
    }

    /// Every stopped node's store reopens cleanly, verifies, and holds the same blocks and app
    /// hashes at every height they share, which is at least `commonHeightAtLeast`.
    static func expectStoresAgree(plan: TestnetGenerator.Plan, homes: [String], commonHeightAtLeast: UInt64) throws {
        let agreement = try StoreAgreement(homes: homes, genesisHash: plan.genesis.genesisHash)
        #expect(agreement.commonHeight >= commonHeightAtLeast)
        #expect(agreement.disagreements.isEmpty, "stores disagree at heights \(agreement.disagreements)")
        #expect(agreement.blockProblems.allSatisfy { $0 == 0 }, "problems per store: \(agreement.blockProblems)")
    }

    @Test("a node refuses to start on a data directory made from another genesis")
    func refusesOtherGenesis() throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        let (_, homesA) = try Self.makeTestnet(in: first.path, validators: 1)
        let (_, homesB) = try Self.makeTestnet(in: second.path, validators: 1)
        let node = NodeProcess(home: homesA[0])
        try node.start()
        #expect(eventually(seconds: 30) { node.height >= 1 }, "a one-validator chain makes blocks; log:\n\(node.log.suffix(2_000))")
        node.kill(SIGTERM)
        // Give home B the data directory home A made.
        try FileManager.default.removeItem(atPath: homesB[0] + "/data")
        try FileManager.default.copyItem(atPath: homesA[0] + "/data", toPath: homesB[0] + "/data")
        let intruder = NodeProcess(home: homesB[0])
        try intruder.start()
        intruder.process.waitUntilExit()
        #expect(intruder.process.terminationStatus != 0)
        #expect(intruder.log.contains("genesis"), "the error names the genesis mismatch: \(intruder.log)")
    }
}
