import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import Testing

/// Validator processes on separate network stacks (`Tools/netns.sh`): each listens and is
/// dialled on its own address and nothing runs over loopback, as on separate hosts. Needs root;
/// skipped, naming the reason, where `netns.sh check` says namespaces cannot be made.
@Suite("validators in network namespaces", .serialized)
struct NamespaceTestnetTests {
    @Test("four validators on four addresses finalize the same blocks; cut off, one stalls while three go on; healed, it catches up",
          .enabled("network namespaces can be made here (Tools/netns.sh check)") { NamespaceNetwork.available })
    func partitionAndHeal() throws {
        let up = try NamespaceNetwork.run("up", "4")
        try #require(up.status == 0, "netns.sh up: \(up)")
        // Also on failure: `down` stops whatever still runs inside the namespaces.
        defer { _ = try? NamespaceNetwork.run("down") }
        let directory = try TemporaryDirectory()
        let hosts = (0..<4).map(NamespaceNetwork.validatorAddress)
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, chainID: "namespaces", hosts: hosts)
        let nodes = homes.enumerated().map { index, home in
            NodeProcess(home: home, launcher: [NamespaceNetwork.script, "exec", "\(index)"])
        }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }

        #expect(eventually(seconds: 20) { nodes.allSatisfy { $0.height >= 3 } },
                "heights: \(nodes.map(\.height)); node0's log ends:\n\(nodes[0].log.suffix(2_000))")
        let logged = nodes.map(\.finalized)
        for height in UInt64(1)...3 {
            let hashes = Set(logged.compactMap { $0[height]?.blockHash })
            #expect(hashes.count == 1, "validators finalized different blocks at height \(height): \(hashes)")
        }
        // The RPC listens on the validator's own address and answers a client in another namespace.
        let rpc = plan.nodes[0].config.rpc.listenAddress
        #expect(rpc.host == hosts[0])
        let status = try NamespaceNetwork.client("query", "status", "--node", "http://\(rpc)", "--json")
        #expect((status.json["sync_info"]?["latest_block_height"]?.uint64Value ?? 0) >= 3, "\(status)")

        let partition = try NamespaceNetwork.run("partition", "0,1,2|3")
        try #require(partition.status == 0, "netns.sh partition: \(partition)")
        let isolatedAtCut = nodes[3].height
        let othersAtCut = nodes.prefix(3).map(\.height).max() ?? 0
        #expect(eventually(seconds: 15) { nodes.prefix(3).allSatisfy { $0.height >= othersAtCut + 5 } },
                "three of four validators hold more than 2/3 of the stake and must keep finalizing: \(nodes.map(\.height))")
        // One block may still finish from votes that crossed before the cut.
        #expect(nodes[3].height <= isolatedAtCut + 1,
                "the cut-off validator has no quorum and must not finalize: \(isolatedAtCut) at the cut, now \(nodes[3].height)")

        let heal = try NamespaceNetwork.run("heal")
        try #require(heal.status == 0, "netns.sh heal: \(heal)")
        let healedAt = Date()
        let target = nodes.prefix(3).map(\.height).max() ?? 0
        #expect(eventually(seconds: 20) { nodes[3].height >= target },
                "the healed validator must catch up to \(target), is at \(nodes[3].height); its log ends:\n\(nodes[3].log.suffix(3_000))")
        print("namespace testnet: healed validator caught up \(target - isolatedAtCut) heights in \(Int(Date().timeIntervalSince(healedAt) * 1_000)) ms")

        for node in nodes { node.kill(SIGTERM) }
        #expect(nodes.allSatisfy { $0.log.contains("stopped cleanly") }, "every node stops cleanly on SIGTERM")
        try LocalnetProcessTests.expectStoresAgree(plan: plan, homes: homes, commonHeightAtLeast: target)
    }

    /// The chaos runner drives the script by these exit codes: 1 failed, 2 usage, 4 no netem.
    @Test("netns.sh: a second up, bad groups and unknown validators are one-line errors; shape works or exits 4 naming netem; down is idempotent",
          .enabled("network namespaces can be made here (Tools/netns.sh check)") { NamespaceNetwork.available })
    func scriptInterface() throws {
        let up = try NamespaceNetwork.run("up", "2")
        try #require(up.status == 0, "netns.sh up: \(up)")
        defer { _ = try? NamespaceNetwork.run("down") }
        #expect(up.output.contains("ratify-v1 \(NamespaceNetwork.validatorAddress(1))"), "\(up)")

        let again = try NamespaceNetwork.run("up", "2")
        #expect(again.status == 1 && again.output.contains("already up"), "\(again)")
        let badGroups = try NamespaceNetwork.run("partition", "0,|1")
        #expect(badGroups.status == 2 && badGroups.output.contains("expected groups of validator indices"), "\(badGroups)")
        let unknown = try NamespaceNetwork.run("partition", "0|5")
        #expect(unknown.status == 1 && unknown.output.contains("validator 5 has no namespace"), "\(unknown)")

        let partition = try NamespaceNetwork.run("partition", "0|1")
        #expect(partition.status == 0, "\(partition)")
        let cut = try NamespaceNetwork.run("status")
        #expect(cut.output.contains("ratify-v0 \(NamespaceNetwork.validatorAddress(0)) cut-from=\(NamespaceNetwork.validatorAddress(1))"), "\(cut)")
        try NamespaceNetwork.run("heal")
        #expect(try !NamespaceNetwork.run("status").output.contains("cut-from"))

        let shape = try NamespaceNetwork.run("shape", "1", "--delay-ms", "20", "--jitter-ms", "5", "--loss-pct", "0.5")
        #expect(shape.status == 0 || (shape.status == 4 && shape.output.contains("no netem")), "\(shape)")
        #expect(try NamespaceNetwork.run("unshape", "1").status == 0)

        #expect(try NamespaceNetwork.run("down").status == 0)
        let downAgain = try NamespaceNetwork.run("down")
        #expect(downAgain.status == 0 && downAgain.output.contains("nothing to remove"), "\(downAgain)")
    }
}
