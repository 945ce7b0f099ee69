import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import Testing

/// `ratify tx` asks before it broadcasts and `--dry-run` submits nothing, against a real node
/// of `ratify start` (docs/STAKING.md, "Confirmation and dry runs"). `RatifyCLI` gives every
/// process /dev/null as stdin, as a script or a pipe would.
@Suite("confirmation and dry run on a localnet", .serialized)
struct ConfirmationProcessTests {
    @Test("without --yes and without a terminal, tx and tx broadcast refuse after showing what they would send; --dry-run reports the verdict; neither reaches the chain; with --yes, or answered y at a terminal, it is final")
    func confirmAndDryRun() throws {
        let directory = try TemporaryDirectory()
        // One validator is enough: this is about the client, and it keeps the machine free.
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        let rpc = "http://\(plan.nodes[0].config.rpc.listenAddress)"
        let cli = RatifyCLI(keyring: directory.path + "/keyring", node: rpc)
        #expect(eventually(seconds: 60) { cli.height() >= 2 }, "the node must start: heights \(nodes.map(\.height))")
        #expect(try cli.keys("import", "val0", "--from-file", homes[0] + "/config/validator_key.json").status == 0)
        let sender = plan.nodes[0].validatorKey.publicKey.address.hex
        let recipient = String(repeating: "cd", count: 20)
        let nonceBefore = try #require(try cli.nonce(sender))

        // Refused: the summary names every field on stderr, then the one-line refusal.
        let refused = try cli.txAsking("transfer", "--from", "val0", "--to", recipient, "--amount", "777")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.hasSuffix("standard input is not a terminal: pass --yes to broadcast without confirmation; nothing was sent\n"))
        for field in ["node:", rpc, "chain_id:", "integration", "from:", "val0 (\(sender))", "type:", "transfer", "to:", recipient,
                      "amount:", "777", "fee:", "nonce:", "\(nonceBefore)", "hash:"] {
            #expect(refused.stderr.contains(field), "\(field) missing from \(refused.stderr)")
        }

        // Dry runs: one that would succeed, one whose payload would fail, one the node would refuse.
        let good = try cli.txAsking("transfer", "--from", "val0", "--to", recipient, "--amount", "777", "--dry-run", "--json")
        #expect(good.status == 0, "\(good)")
        #expect(good.json["would_admit"] == .bool(true))
        #expect(good.json["tx_result"]?["code"]?.intValue == 0)
        #expect(good.json["nonce"]?.uint64Value == nonceBefore)
        let unknownValidator = String(repeating: "ef", count: 32)
        let failing = try cli.txAsking("unstake", "--from", "val0", "--validator", unknownValidator, "--amount", "5", "--dry-run")
        #expect(failing.status == 1, "\(failing)")
        #expect(failing.stdout.contains("would fail in a block with code 8: unknown validator \(unknownValidator)"))
        #expect(failing.stderr == "dry run: the payload would fail in a block with code 8: unknown validator \(unknownValidator)\n")
        let stale = try cli.txAsking("transfer", "--from", "val0", "--to", recipient, "--amount", "1", "--nonce", String(nonceBefore + 5), "--dry-run")
        #expect(stale.status == 1)
        #expect(stale.stderr == "dry run: the node would refuse this transaction (nothing was sent): bad nonce: expected \(nonceBefore), got \(nonceBefore + 5)\n")

        // A signed file is refused the same way by tx broadcast.
        let generated = try cli.tx("transfer", "--from", "val0", "--to", recipient, "--amount", "1000", "--generate-only")
        #expect(generated.status == 0, "\(generated)")
        let unsigned = try directory.write("unsigned.json", generated.stdout)
        let signed = try RatifyCLI.run(["tx", "sign", unsigned, "--from", "val0", "--chain-id", "integration", "--nonce", String(nonceBefore),
                                        "--keyring", cli.keyring, "--keyring-backend", "test"])
        #expect(signed.status == 0, "\(signed)")
        let signedFile = try directory.write("signed.json", signed.stdout)
        let refusedFile = try RatifyCLI.run(["tx", "broadcast", signedFile, "--node", rpc])
        #expect(refusedFile.status == 1)
        #expect(refusedFile.stderr.contains("amount:   1000") && refusedFile.stderr.contains("from:     \(sender)\n"), "\(refusedFile.stderr)")
        #expect(refusedFile.stderr.hasSuffix("pass --yes to broadcast without confirmation; nothing was sent\n"))
        let dryFile = try RatifyCLI.run(["tx", "broadcast", signedFile, "--dry-run", "--node", rpc])
        #expect(dryFile.status == 0, "\(dryFile)")

        // Blocks go on, and nothing of the above is in them.
        let height = cli.height()
        #expect(eventually(seconds: 30) { cli.height() >= height + 2 })
        #expect(try cli.nonce(sender) == nonceBefore)
        #expect(try cli.balance(recipient) ?? 0 == 0)

        // With --yes both are final.
        let broadcast = try RatifyCLI.run(["tx", "broadcast", signedFile, "--yes", "--wait", "--json", "--node", rpc])
        #expect(broadcast.status == 0, "\(broadcast)")
        #expect(broadcast.json["height"]?.uint64Value != nil)
        let sent = try cli.tx("transfer", "--from", "val0", "--to", recipient, "--amount", "777", "--wait", "--json")
        #expect(sent.status == 0, "\(sent)")
        #expect(sent.json["height"]?.uint64Value != nil)
        #expect(sent.json["confirmed_by"] == .string("events"), "--wait learns finality from GET /events: \(sent.stdout)")
        #expect(try cli.nonce(sender) == nonceBefore + 2)
        #expect(try cli.balance(recipient) == 1777)

        // At a terminal: "n" sends nothing, "y" sends.
        guard FileManager.default.isExecutableFile(atPath: RatifyCLI.scriptPath) else {
            Issue.record("\(RatifyCLI.scriptPath) (util-linux) is needed to give ratify a terminal")
            return
        }
        let asking = ["tx", "transfer", "--from", "val0", "--to", recipient, "--amount", "3", "--wait",
                      "--keyring", cli.keyring, "--keyring-backend", "test", "--node", rpc]
        let declined = try RatifyCLI.runAtTerminal(asking, answer: "n")
        #expect(declined.status == 1, "\(declined)")
        #expect(declined.stdout.contains("amount:   3") && declined.stdout.contains("broadcast? [y/N] "), "\(declined)")
        #expect(declined.stdout.contains("not confirmed; nothing was sent"), "\(declined)")
        #expect(try cli.nonce(sender) == nonceBefore + 2)
        let accepted = try RatifyCLI.runAtTerminal(asking, answer: "y")
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout.contains("status:   final") && accepted.stdout.contains("status:   final (learned from GET /events)"), "\(accepted)")
        #expect(try cli.nonce(sender) == nonceBefore + 3)
        #expect(try cli.balance(recipient) == 1780)
    }
}
