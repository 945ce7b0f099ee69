import Foundation
import RatifyClient
import RatifyCore
import RatifyNode
import Testing

/// Staking through the `ratify` CLI against a real 4-validator localnet of `ratify start`
/// processes (docs/STAKING.md).
@Suite("staking from the CLI", .serialized)
struct StakingProcessTests {
    static let unbondingBlocks: UInt64 = 5

    @Test("a new key is funded, stakes into the set at H+2 and its own node signs every commit from there; it unstakes out of the set at U+2, its node follows on, and its tokens return after unbonding; refusals are the ledger's errors; all five stores agree")
    func newValidatorWithItsOwnNode() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path) { genesis in
            genesis.staking.unbondingBlocks = Self.unbondingBlocks
        }
        let nodes = homes.map(NodeProcess.init)
        let carolNode = NodeProcess(home: directory.path + "/carol")
        defer { (nodes + [carolNode]).forEach { $0.kill(SIGKILL) } }
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
        let carolPublicKey = try #require(PublicKey(hex: carolKey))

        // Funds: 300 tokens of power unit 1,000,000 each.
        let funded = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "300000000", "--wait", "--json")
        #expect(funded.status == 0, "\(funded)")
        #expect(funded.json["height"]?.uint64Value != nil && funded.json["latency_ms"]?.uint64Value != nil)
        #expect(try cli.balance("carol") == 300_000_000)

        // Refusals leave the account as it was: an envelope error moves nothing, not even the nonce.
        let tooMuch = try cli.tx("transfer", "--from", "carol", "--to", "val0", "--amount", "400000000")
        #expect(tooMuch.status == 1)
        #expect(tooMuch.stderr == "insufficient balance: have 300000000, need 400000000 + fee 1\n")
        #expect(tooMuch.stdout.isEmpty)
        let replay = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "1", "--nonce", "0")
        #expect(replay.status == 1)
        #expect(replay.stderr == "bad nonce: expected 1, got 0\n")
        let otherChain = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "1", "--chain-id", "other-chain")
        #expect(otherChain.status == 1)
        #expect(otherChain.stderr == "wrong chain id: transaction is for \"other-chain\", this chain is \"integration\"\n")
        // The generated genesis sets staking.min_fee 1, which the CLI's default fee meets; a free
        // transaction, or one from a key with no balance, is refused before it reaches a block.
        let free = try cli.tx("transfer", "--from", "val0", "--to", "carol", "--amount", "1", "--fee", "0")
        #expect(free.status == 1)
        #expect(free.stderr == "fee too low: minimum 1, got 0\n")
        #expect(try cli.keys("add", "dave").status == 0)
        let unfunded = try cli.tx("unjail", "--from", "dave", "--validator", plan.nodes[0].validatorKey.publicKey.hex)
        #expect(unfunded.status == 1)
        #expect(unfunded.stderr == "cannot pay fee: have 0, need 1\n")
        #expect(try cli.balance("carol") == 300_000_000)
        #expect(try cli.query("account", "val0", "--json").json["nonce"]?.uint64Value == 1)

        // Carol's node: a home for her keyring key (the operator's path, docs/STAKING.md), dialling
        // the four. It syncs and follows as a non-validator.
        let peers = plan.nodes.map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress).description }
        let basePort = plan.nodes[3].config.p2p.listenAddress.port + 10
        let initialized = try RatifyCLI.run([
            "init", "--home", carolNode.home, "--genesis", directory.path + "/genesis.json", "--moniker", "carol",
            "--peers", peers.joined(separator: ","), "--base-port", String(basePort),
            "--key-from-keyring", "carol", "--keyring", cli.keyring, "--json",
        ])
        #expect(initialized.status == 0, "\(initialized)")
        #expect(initialized.json["validator_pub_key"]?.stringValue == carolKey)
        #expect(initialized.json["genesis_hash"]?.stringValue == plan.genesis.genesisHash.hex)
        let carolRPC = try #require(initialized.json["rpc"]?.stringValue)
        let carolCLI = RatifyCLI(keyring: cli.keyring, node: carolRPC)
        try carolNode.start()
        #expect(eventually(seconds: 60) { carolCLI.height() > 0 && carolCLI.height() + 1 >= cli.height() },
                "carol's node syncs: it is at \(carolCLI.height()), node0 at \(cli.height()); its log ends:\n\(carolNode.log.suffix(2_000))")
        let following = try carolCLI.query("status", "--json").json
        #expect(following["validator_info"]?["pub_key"]?.stringValue == carolKey)
        #expect(following["validator_info"]?["voting_power"]?.intValue == 0, "\(following)")

        // Stake 250 power units against the genesis validators' 4 x 100: from H+2 the four hold
        // 400/650 < 2/3 of the power, so no height after H+1 is final without carol's precommit.
        let staked = try cli.tx("stake", "--from", "carol", "--validator", "carol", "--amount", "250000000", "--name", "carol", "--wait", "--json")
        #expect(staked.status == 0, "\(staked)")
        let stakeHeight = try #require(staked.json["height"]?.uint64Value)
        let signedThrough = stakeHeight + 6
        #expect(eventually(seconds: 60) { cli.height() >= signedThrough + 1 },
                "the chain goes on with carol signing: heights \(nodes.map(\.height)), carol \(carolNode.height); carol's log ends:\n\(carolNode.log.suffix(2_000))")
        #expect(try !cli.validatorKeys(at: stakeHeight + 1).contains(carolKey), "not yet at H+1")
        let table = try cli.query("validators", "--height", String(stakeHeight + 2))
        #expect(table.stdout.contains("total voting power 650"), "\(table)")
        #expect(table.stdout.contains("carol  \(carolAddress)  250    38.46%"), "\(table)")
        for height in (stakeHeight + 2)...signedThrough {
            let index = try #require(try cli.validatorKeys(at: height).firstIndex(of: carolKey), "in the set at \(height)")
            // The commit of `height` travels as the next block's last_commit, in the set's order.
            let commit = try cli.query("block", "--height", String(height + 1), "--json").json["block"]?["last_commit"]
            let signature = commit?["signatures"]?.arrayValue.flatMap { index < $0.count ? $0[index] : nil }
            #expect(signature?["block_id_flag"]?.intValue == 2, "carol precommitted \(height): \(String(describing: commit))")
            let blockHash = try #require(commit?["block_id"]?["hash"]?.stringValue.flatMap { Hash(hex: $0) })
            let round = try #require(commit?["round"]?.uint64Value.flatMap { Round(exactly: $0) })
            let signBytes = Vote.signBytes(chainID: plan.genesis.chainID, type: .precommit, height: height, round: round,
                                           blockID: BlockID(hash: blockHash))
            let bytes = try #require(signature?["signature"]?.stringValue.flatMap { Signature(hex: $0) })
            #expect(carolPublicKey.verify(bytes, message: signBytes), "the signature at index \(index) of height \(height) is carol's")
        }
        #expect(try carolCLI.query("status", "--json").json["validator_info"]?["voting_power"]?.intValue == 250)
        let record = try cli.query("validator", "carol", "--json")
        #expect(record.json["bonded"]?.uint64Value == 250_000_000)
        #expect(record.json["name"]?.stringValue == "carol")
        #expect(record.json["missed_blocks"]?.uint64Value == 0, "\(record)")

        // A name on a second self-stake is a payload error: final, fee and nonce charged, nothing else.
        let renamed = try cli.tx("stake", "--from", "carol", "--validator", "carol", "--amount", "1", "--name", "other", "--wait")
        #expect(renamed.status == 1)
        #expect(renamed.stderr.hasPrefix("a name may only be given by a validator's first self-stake (transaction "), "\(renamed)")

        // Unstake everything: out of the set at U+2, tokens back once the unbonding period is over.
        let unstaked = try cli.tx("unstake", "--from", "carol", "--validator", carolKey, "--amount", "250000000", "--wait", "--json")
        #expect(unstaked.status == 0, "\(unstaked)")
        let unstakeHeight = try #require(unstaked.json["height"]?.uint64Value)
        let afterUnstake = try #require(try cli.balance("carol"))
        let unbonding = try cli.query("unbonding", "carol", "--json").json["unbonding"]?.arrayValue ?? []
        #expect(unbonding.count == 1)
        let release = try #require(unbonding.first?["release_height"]?.uint64Value)
        #expect(release == unstakeHeight + Self.unbondingBlocks)
        #expect(unbonding.first?["amount"]?.uint64Value == 250_000_000)
        #expect(eventually(seconds: 60) { cli.height() >= unstakeHeight + 2 })
        #expect(try cli.validatorKeys(at: unstakeHeight + 1).contains(carolKey), "still in the set at U+1")
        #expect(try !cli.validatorKeys(at: unstakeHeight + 2).contains(carolKey), "out of the set from U+2")
        #expect(eventually(seconds: 60) { cli.height() >= release })
        #expect(try cli.balance("carol") == afterUnstake + 250_000_000, "the unbonded tokens are back")
        #expect(try cli.query("unbonding", "carol").stdout == "(none)\n")
        // All that is gone are three fees: the stake, the failed renaming stake (which bonded nothing)
        // and the unstake; a fee goes to the block's proposer, so carol earned back the fees of those
        // of the last two that landed in blocks she proposed.
        let final = try #require(try cli.balance("carol"))
        #expect((300_000_000 - 3)...(300_000_000 - 1) ~= final, "\(final)")

        // Carol's node keeps following without a vote.
        let followed = cli.height() + 3
        #expect(eventually(seconds: 60) { carolCLI.height() >= followed }, "carol's node follows: \(carolNode.height), node0 \(cli.height())")
        #expect(try carolCLI.query("status", "--json").json["validator_info"]?["voting_power"]?.intValue == 0)
        #expect(try !carolCLI.validatorKeys(at: carolCLI.height()).contains(carolKey))

        // Determinism: the five stores hold the same blocks and app hashes at every height.
        for node in nodes + [carolNode] { node.kill(SIGTERM) }
        let agreement = try StoreAgreement(homes: homes + [carolNode.home], genesisHash: plan.genesis.genesisHash)
        #expect(agreement.commonHeight >= followed - 1)
        #expect(agreement.disagreements.isEmpty, "stores disagree at heights \(agreement.disagreements)")
    }

    @Test("a precommit that arrives just after the quorum still lands in the next block's last_commit: validators that sign are not counted as missing")
    func latePrecommitsAreNotMissed() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, chainID: "late-precommits")
        let nodes = homes.map(NodeProcess.init)
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        for node in nodes { try node.start() }
        let cli = RatifyCLI(keyring: directory.path + "/keyring", node: "http://\(plan.nodes[0].config.rpc.listenAddress)")
        let lastHeight: UInt64 = 30
        #expect(eventually(seconds: 90) { cli.height() >= lastHeight }, "heights \(nodes.map(\.height))")

        // Block h carries the commit of h-1. With four equal validators the first 2/3+ is three
        // precommits, so a commit frozen at the decision lacks about one in four of them (29 of
        // 116 when measured); a loaded machine may delay a few beyond the next decision.
        var absent = 0
        for height in 2...lastHeight {
            let commit = try cli.query("block", "--height", String(height), "--json").json["block"]?["last_commit"]
            let signatures = commit?["signatures"]?.arrayValue ?? []
            #expect(signatures.count == 4, "height \(height): \(String(describing: commit))")
            absent += signatures.filter { $0["block_id_flag"]?.intValue != 2 }.count
        }
        let slots = Int(lastHeight - 1) * 4
        #expect(absent * 10 <= slots, "\(absent) of \(slots) precommits absent from last_commits")
        // The ledger's downtime count agrees (every height so far is inside the 100-block window).
        let heightNow = Int(cli.height())
        let missed = try cli.query("validators", "--json").json["validators"]?.arrayValue?.compactMap { validator in
            try? cli.query("validator", validator["pub_key"]?.stringValue ?? "", "--json").json["missed_blocks"]?.intValue
        } ?? []
        #expect(missed.count == 4 && missed.reduce(0, +) * 10 <= heightNow * 4,
                "missed blocks per validator at height \(heightNow): \(missed)")
    }

    @Test("a validator stopped for longer than the downtime window is jailed and slashed, refused unjail early, and unjails from the CLI after its jail period")
    func downtimeJailAndUnjail() throws {
        let jailBlocks: UInt64 = 30
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path) { genesis in
            // Jailed once it signed less than half of the blocks of the last 3 s of block time.
            genesis.staking.downtimeWindowMillis = 3_000
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
