import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import Testing

/// `--generate-only`, `tx sign` with no node, `tx broadcast`, against a real 4-validator
/// localnet of `ratify start` processes (docs/STAKING.md, "Signing offline").
@Suite("offline signing on a localnet", .serialized)
struct OfflineSigningProcessTests {
    @Test("a transfer generated online, signed by a process that is given no node, and broadcast is final and moves the funds")
    func generateSignBroadcast() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path)
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        let rpc = "http://\(plan.nodes[0].config.rpc.listenAddress)"
        let cli = RatifyCLI(keyring: directory.path + "/keyring", node: rpc)
        #expect(eventually(seconds: 60) { cli.height() >= 2 }, "the localnet must start: heights \(nodes.map(\.height))")
        #expect(try cli.keys("import", "val0", "--from-file", homes[0] + "/config/validator_key.json").status == 0)
        let recipient = String(repeating: "ab", count: 20)

        // Online: the chain id and nonce come from the node; nothing is signed.
        let generated = try cli.tx("transfer", "--from", "val0", "--to", recipient, "--amount", "12345", "--generate-only")
        #expect(generated.status == 0, "\(generated)")
        #expect(generated.json["signature"] == nil && generated.json["payload"]?["amount"]?.stringValue == "12345")
        let chainID = try #require(generated.json["chain_id"]?.stringValue)
        let nonce = try #require(generated.json["nonce"]?.stringValue)
        let unsigned = try directory.write("unsigned.json", generated.stdout)

        // Offline: no --node is given, and the default node address has nothing listening.
        let signed = try RatifyCLI.run(["tx", "sign", unsigned, "--from", "val0", "--chain-id", chainID, "--nonce", nonce,
                                        "--keyring", cli.keyring, "--keyring-backend", "test"])
        #expect(signed.status == 0, "\(signed)")
        let signedFile = try directory.write("signed.json", signed.stdout)

        let broadcast = try RatifyCLI.run(["tx", "broadcast", signedFile, "--wait", "--json", "--yes", "--node", rpc])
        #expect(broadcast.status == 0, "\(broadcast)")
        #expect(broadcast.json["hash"]?.stringValue == signed.json["hash"]?.stringValue)
        #expect(broadcast.json["height"]?.uint64Value != nil)
        #expect(try cli.balance(recipient) == 12345)
    }
}
