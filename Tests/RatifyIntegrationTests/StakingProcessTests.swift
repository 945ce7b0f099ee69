import Foundation
import RatifyCore
import RatifyNode
import Testing

/// Staking through the `ratify` CLI against a real 4-validator localnet of `ratify start`
/// processes (docs/STAKING.md).
@Suite("staking from the CLI", .serialized)
struct StakingProcessTests {
    static let unbondingBlocks: UInt64 = 5

    @Test("a new key is funded, stakes into the set at H+2, unstakes out of it at U+2, and gets its tokens back after unbonding; refusals are the ledger's errors")
    func stakeAndUnstake() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path) { genesis in
            genesis.staking.unbondingBlocks = Self.unbondingBlocks
        }
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        let cli = RatifyCLI(keyring: directory.path + "/keyring", node: "http://\(plan.nodes[0].config.rpc.listenAddress)")
        #expect(eventually(seconds: 60) { cli.height() >= 2 }, "the localnet must start: heights \(nodes.map(\.height))")

        // Keys: node0's genesis-funded validator key, imported as it is, and a fresh one.
        let imported = try cli.keys("import", "val0", "--from-file", homes[0] + "/config/validator_key.json", "--json")
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.json["pub_key"]?.stringValue == plan.nodes[0].validatorKey.publicKey.hex)
        let added = try cli.keys("add", "carol", "--json")
        #expect(added.status == 0, "\(added)")
        let carolKey = try #require(added.json["pub_key"]?.stringValue)
        let carolAddress = try #require(added.json["address"]?.stringValue)

        // Funds: 50 tokens of power unit 1,000,000 each.
        let funded = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "50000000", "--wait", "--json")
        #expect(funded.status == 0, "\(funded)")
        #expect(funded.json["height"]?.uint64Value != nil && funded.json["latency_ms"]?.uint64Value != nil)
        #expect(try cli.balance("carol") == 50_000_000)

        // Refusals leave the account as it was: an envelope error moves nothing, not even the nonce.
        let tooMuch = try cli.tx("transfer", "--from", "carol", "--to", "val0", "--amount", "60000000")
        #expect(tooMuch.status == 1)
        #expect(tooMuch.stderr == "insufficient balance: have 50000000, need 60000000 + fee 1\n")
        #expect(tooMuch.stdout.isEmpty)
        let replay = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "1", "--nonce", "0")
        #expect(replay.status == 1)
        #expect(replay.stderr == "bad nonce: expected 1, got 0\n")
        let otherChain = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "1", "--chain-id", "other-chain")
        #expect(otherChain.status == 1)
        #expect(otherChain.stderr == "wrong chain id: transaction is for \"other-chain\", this chain is \"integration\"\n")
        #expect(try cli.balance("carol") == 50_000_000)
        #expect(try cli.query("account", "val0", "--json").json["nonce"]?.uint64Value == 1)

        // Stake 10 power units against the genesis validators' 4 x 100: the four that sign keep
        // 400/410 > 2/3 of the power, so the chain goes on although carol's node never runs.
        let staked = try cli.tx("stake", "--from", "carol", "--validator", "carol", "--amount", "10000000", "--name", "carol", "--wait", "--json")
        #expect(staked.status == 0, "\(staked)")
        let stakeHeight = try #require(staked.json["height"]?.uint64Value)
        #expect(eventually(seconds: 60) { cli.height() >= stakeHeight + 2 })
        #expect(try !cli.validatorKeys(at: stakeHeight + 1).contains(carolKey), "not yet at H+1")
        #expect(try cli.validatorKeys(at: stakeHeight + 2).contains(carolKey), "in the set from H+2")
        let table = try cli.query("validators", "--height", String(stakeHeight + 2))
        #expect(table.stdout.contains("total voting power 410"), "\(table)")
        #expect(table.stdout.contains("carol  \(carolAddress)  10     2.43%"), "\(table)")
        let record = try cli.query("validator", "carol", "--json")
        #expect(record.json["bonded"]?.uint64Value == 10_000_000)
        #expect(record.json["name"]?.stringValue == "carol")
        // With carol in the set, the other four still finalize.
        #expect(eventually(seconds: 60) { cli.height() >= stakeHeight + 6 }, "heights \(nodes.map(\.height))")

        // A name on a second self-stake is a payload error: final, fee and nonce charged, nothing else.
        let renamed = try cli.tx("stake", "--from", "carol", "--validator", "carol", "--amount", "1", "--name", "other", "--wait")
        #expect(renamed.status == 1)
        #expect(renamed.stderr.hasPrefix("a name may only be given by a validator's first self-stake (transaction "), "\(renamed)")

        // Unstake everything: out of the set at U+2, tokens back once the unbonding period is over.
        let unstaked = try cli.tx("unstake", "--from", "carol", "--validator", carolKey, "--amount", "10000000", "--wait", "--json")
        #expect(unstaked.status == 0, "\(unstaked)")
        let unstakeHeight = try #require(unstaked.json["height"]?.uint64Value)
        let afterUnstake = try #require(try cli.balance("carol"))
        let unbonding = try cli.query("unbonding", "carol", "--json").json["unbonding"]?.arrayValue ?? []
        #expect(unbonding.count == 1)
        let release = try #require(unbonding.first?["release_height"]?.uint64Value)
        #expect(release == unstakeHeight + Self.unbondingBlocks)
        #expect(unbonding.first?["amount"]?.uint64Value == 10_000_000)
        #expect(eventually(seconds: 60) { cli.height() >= unstakeHeight + 2 })
        #expect(try cli.validatorKeys(at: unstakeHeight + 1).contains(carolKey), "still in the set at U+1")
        #expect(try !cli.validatorKeys(at: unstakeHeight + 2).contains(carolKey), "out of the set from U+2")
        #expect(eventually(seconds: 60) { cli.height() >= release })
        #expect(try cli.balance("carol") == afterUnstake + 10_000_000, "the unbonded tokens are back")
        #expect(try cli.query("unbonding", "carol").stdout == "(none)\n")
        // All that is gone are three fees: the stake, the failed renaming stake (which bonded nothing) and the unstake.
        #expect(try cli.balance("carol") == 50_000_000 - 3)
    }

    @Test("a validator stopped for longer than the downtime window is jailed and slashed, refused unjail early, and unjails from the CLI after its jail period")
    func downtimeJailAndUnjail() throws {
        let jailBlocks: UInt64 = 30
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path) { genesis in
            // Jailed after missing more than 10 of the last 20 precommits.
            genesis.staking.downtimeWindow = 20
            genesis.staking.minSignedPerWindow = 10
            genesis.staking.jailBlocks = jailBlocks
        }
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        let cli = RatifyCLI(keyring: directory.path + "/keyring", node: "http://\(plan.nodes[0].config.rpc.listenAddress)")
        #expect(eventually(seconds: 60) { cli.height() >= 3 }, "the localnet must start: heights \(nodes.map(\.height))")
        let imported = try cli.keys("import", "val3", "--from-file", homes[3] + "/config/validator_key.json")
        #expect(imported.status == 0, "\(imported)")
        let key = plan.nodes[3].validatorKey.publicKey.hex

        nodes[3].kill(SIGTERM)
        var record = JSONValue.null
        #expect(eventually(seconds: 90) {
            record = (try? cli.query("validator", "val3", "--json").json) ?? .null
            return record["jailed"]?.boolValue == true
        }, "node3 must be jailed for downtime: \(record); heights \(nodes.map(\.height))")
        let jailedUntil = try #require(record["jailed_until"]?.uint64Value)
        #expect(record["tombstoned"]?.boolValue == false)
        #expect(record["voting_power"]?.intValue == 0)
        // slash_fraction_downtime is 100 ppm of 100,000,000.
        #expect(record["bonded"]?.uint64Value == 99_990_000)
        let jailedAt = jailedUntil - jailBlocks
        #expect(eventually(seconds: 30) { cli.height() >= jailedAt + 2 })
        #expect(try !cli.validatorKeys(at: jailedAt + 2).contains(key), "out of the set two heights after jailing")
        #expect(try cli.query("validator", "val3").stdout.contains("jailed:        jailed; unjail accepted from height \(jailedUntil)"))

        // Too early: final, but refused by the ledger (only the fee and nonce move).
        let early = try cli.tx("unjail", "--from", "val3", "--validator", "val3", "--wait")
        #expect(early.status == 1)
        #expect(early.stderr.hasPrefix("still jailed: unjail is accepted from height \(jailedUntil) (transaction "), "\(early)")

        // The three others go on; node3 comes back, catches up, and unjails after its jail period.
        try nodes[3].start()
        #expect(eventually(seconds: 90) { cli.height() >= jailedUntil }, "heights \(nodes.map(\.height))")
        let unjailed = try cli.tx("unjail", "--from", "val3", "--validator", key, "--wait", "--json")
        #expect(unjailed.status == 0, "\(unjailed)")
        let unjailHeight = try #require(unjailed.json["height"]?.uint64Value)
        #expect(eventually(seconds: 60) { cli.height() >= unjailHeight + 2 })
        let set = try cli.query("validators", "--height", String(unjailHeight + 2), "--json").json
        let back = (set["validators"]?.arrayValue ?? []).first { $0["pub_key"]?.stringValue == key }
        #expect(back?["voting_power"]?.intValue == 99, "back in the set from U+2 with its slashed power: \(set)")
        #expect(try cli.query("validator", "val3", "--json").json["jailed"]?.boolValue == false)
        let target = cli.height() + 3
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= target } }, "all four finalize again: \(nodes.map(\.height))")
    }
}
