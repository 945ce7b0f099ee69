import Foundation
import Logging
import RatifyCore
import RatifyNode
import RatifyOps
import RatifyStore
import Testing

/// `ratify signer start` as a child process, its output in `<home>/signer.log`.
final class SignerProcess {
    let home: String
    private(set) var process = Process()

    init(home: String) { self.home = home }

    func start() throws {
        let logPath = home + "/signer.log"
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw TestFailure("cannot open \(logPath)") }
        log.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = ["signer", "start", "--home", home]
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: home + "/signer.log", encoding: .utf8)) ?? "" }
}

/// One signer process per node home, started before the nodes.
final class SignedNodes {
    let signers: [SignerProcess]
    let nodes: [NodeProcess]

    init(homes: [String], signerHomes: [String]) throws {
        signers = signerHomes.map(SignerProcess.init)
        nodes = homes.map(NodeProcess.init)
        do {
            for signer in signers { try signer.start() }
            for node in nodes { try node.start() }
        } catch {
            kill(SIGKILL)
            throw error
        }
    }

    /// Nodes first, then their signers.
    func kill(_ signal: Int32) {
        nodes.forEach { $0.kill(signal) }
        signers.forEach { $0.kill(signal) }
    }
}

/// Validators whose keys live in signer processes, end to end (docs/SIGNER.md).
@Suite("remote signer processes", .serialized)
struct RemoteSignerProcessTests {
    /// A testnet whose validators' keys are moved into signer homes (`HOME-signer`), each
    /// listening on its node's p2p port + 6.
    static func makeSignedTestnet(in directory: String, chainID: String) throws -> (TestnetGenerator.Plan, [String], [String]) {
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory, chainID: chainID)
        return (plan, homes, try moveKeys(plan, homes: homes))
    }

    /// Moves each home's key into `HOME-signer`, listening on the node's p2p port + 6; returns
    /// the signer homes.
    static func moveKeys(_ plan: TestnetGenerator.Plan, homes: [String]) throws -> [String] {
        try homes.enumerated().map { index, home in
            let p2p = plan.nodes[index].config.p2p.listenAddress
            try RemoteSignerSetup.move(nodeHome: NodeHome(home), to: SignerHome(home + "-signer"),
                                       listen: HostPort(host: "127.0.0.1", port: p2p.port + 6))
            return home + "-signer"
        }
    }

    @Test("validators signing through signer processes finalize; a signer killed mid-run and restarted lets its node vote again, and no one double-signs")
    func localnetWithSigners() throws {
        let directory = try TemporaryDirectory()
        let (_, homes, signerHomes) = try Self.makeSignedTestnet(in: directory.path, chainID: "remote-signer")
        #expect(homes.allSatisfy { !FileManager.default.fileExists(atPath: $0 + "/config/validator_key.json") })
        let network = try SignedNodes(homes: homes, signerHomes: signerHomes)
        defer { network.kill(SIGKILL) }
        let signers = network.signers, nodes = network.nodes
        #expect(eventually(seconds: 90) { nodes.allSatisfy { $0.height >= 5 } },
                "heights: \(nodes.map(\.height)); node0's log ends:\n\(nodes[0].log.suffix(2_000))")

        // Killed mid-height: its node follows the chain without voting, and says why.
        signers[3].kill(SIGKILL)
        let heightAtKill = nodes[0].height
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= heightAtKill + 3 } }, "heights: \(nodes.map(\.height))")
        #expect(nodes[3].log.contains("not voting: the remote signer cannot be reached"), "\(nodes[3].log.suffix(2_000))")

        try signers[3].start()
        #expect(eventually(seconds: 60) { nodes[3].log.contains("remote signer reachable again") }, "\(nodes[3].log.suffix(2_000))")
        let heightAtRestart = nodes[0].height
        #expect(eventually(seconds: 60) { nodes.allSatisfy { $0.height >= heightAtRestart + 3 } }, "heights: \(nodes.map(\.height))")

        nodes.forEach { $0.kill(SIGTERM) }
        let check = try RatifyCLI.run(["check", "history", "--homes", homes.joined(separator: ",")])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("history: OK"), "\(check)")
        #expect(!nodes.contains { $0.log.contains("double vote detected") })

        // Moving signer 3: export its state, a fresh signer home with the same key imports it,
        // and refuses what the old one signed at or below that position.
        signers[3].kill(SIGTERM)
        let file = directory.path + "/signer3-state.json"
        let export = try RatifyCLI.run(["signer", "export", "--home", signerHomes[3], "--output", file])
        #expect(export.status == 0, "\(export)")
        let exported = try SignerInterchange(json: Array(try Data(contentsOf: URL(fileURLWithPath: file))), file: file)
        let position = try #require(exported.lastSigned?.position)
        let moved = SignerProcess(home: directory.path + "/signer3-moved")
        defer { moved.kill(SIGKILL) }
        let old = try SignerHome(signerHomes[3]).loadConfig()
        let nodeID = try NodeHome(homes[3]).loadNodeKey().publicKey.address
        let initialized = try RatifyCLI.run(["signer", "init", "--home", moved.home, "--listen", "tcp://\(old.listenAddress)",
                                             "--chain-id", old.chainID, "--allow-node-id", nodeID.hex,
                                             "--validator-key", signerHomes[3] + "/config/validator_key.json"])
        #expect(initialized.status == 0, "\(initialized)")
        let imported = try RatifyCLI.run(["signer", "import", "--home", moved.home, file])
        #expect(imported.stdout.contains("adopted the signer state: last signed \(position)"), "\(imported)")
        try moved.start()
        let identity = try RemoteSignerSetup.identity(signerHome: SignerHome(moved.home))
        var settings = PrivValidatorConfig()
        settings.requestTimeoutMillis = 5_000
        settings.retryMillis = 0
        let client = RemoteSignerClient(config: settings, address: old.listenAddress, signerID: identity.signerID,
                                        validatorPublicKey: identity.validatorPublicKey, chainID: old.chainID,
                                        nodeKey: try NodeHome(homes[3]).loadNodeKey(), logger: Logger(label: "test"))
        #expect(eventually(seconds: 30) { moved.log.contains("signer ready") }, "\(moved.log)")
        func ask(height: UInt64, round: UInt32, type: VoteType) throws(RemoteSignerError) -> Signature {
            let vote = Vote(type: type, height: height, round: round, blockID: BlockID(hash: Hash.sha256(Array("other".utf8))),
                            validatorAddress: identity.validatorPublicKey.address, validatorIndex: 3)
            return try client.sign(.vote(chainID: old.chainID, vote: vote), signBytes: vote.signBytes(chainID: old.chainID))
        }
        // A different vote at the exported position, and one at an earlier height: both refused.
        if position.step != .proposal {
            let type: VoteType = position.step == .prevote ? .prevote : .precommit
            #expect(throws: RemoteSignerError.self) { try ask(height: position.height, round: position.round, type: type) }
        }
        #expect(throws: RemoteSignerError.self) { try ask(height: position.height - 1, round: 0, type: .prevote) }
        _ = try ask(height: position.height + 1, round: 0, type: .prevote)
    }

    @Test("two nodes pointed at one signer both sign through it; the chain finalizes and no one double-signs (check history, peers)")
    func twoNodesOneSigner() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes, signerHomes) = try Self.makeSignedTestnet(in: directory.path, chainID: "one-signer-two-nodes")
        // A fifth home, in the spare port block, with node3's [priv_validator] and a node key of its own.
        let twinKey = KeyPair.generate()
        let spareBase = plan.nodes[3].config.p2p.listenAddress.port + 10
        var twinConfig = NodeConfig(moniker: "node3-twin", host: "127.0.0.1", basePort: spareBase)
        twinConfig.p2p.persistentPeers = plan.nodes.map { PeerAddress(nodeID: $0.nodeKey.publicKey.address, endpoint: $0.config.p2p.listenAddress) }
        twinConfig.privValidator = try NodeHome(homes[3]).loadConfig().privValidator
        let twinHome = NodeHome(directory.path + "/node3-twin")
        try FileIO.createDirectory(twinHome.configDirectory)
        try FileIO.createDirectory(twinHome.dataDirectory)
        try KeyFile.write(twinKey, to: twinHome.nodeKeyFile)
        try FileIO.write(twinHome.configFile, Array(twinConfig.tomlText.utf8), mode: 0o644, exclusive: true)
        try FileManager.default.copyItem(atPath: NodeHome(homes[3]).genesisFile, toPath: twinHome.genesisFile)
        var signerConfig = try SignerHome(signerHomes[3]).loadConfig()
        signerConfig.allowedNodeIDs.append(twinKey.publicKey.address)
        try FileIO.write(SignerHome(signerHomes[3]).configFile, Array(signerConfig.tomlText.utf8), mode: 0o644, exclusive: false)

        let signers = signerHomes.map(SignerProcess.init)
        let nodes = (homes + [twinHome.root]).map(NodeProcess.init)
        defer {
            nodes.forEach { $0.kill(SIGKILL) }
            signers.forEach { $0.kill(SIGKILL) }
        }
        for signer in signers { try signer.start() }
        for node in nodes { try node.start() }
        #expect(eventually(seconds: 90) { nodes.allSatisfy { $0.height >= 8 } }, "heights: \(nodes.map(\.height))")
        #expect(eventually(seconds: 10) { signers[3].log.components(separatedBy: "node connected").count - 1 >= 2 }, "\(signers[3].log)")

        nodes.forEach { $0.kill(SIGTERM) }
        let check = try RatifyCLI.run(["check", "history", "--homes", (homes + [twinHome.root]).joined(separator: ",")])
        #expect(check.status == 0 && check.stdout.contains("history: OK"), "\(check)")
        #expect(!nodes.contains { $0.log.contains("double vote detected") })
    }

    @Test("a signer process refuses a client whose node key it does not list, and a request for another chain")
    func foreignClientRefused() throws {
        let directory = try TemporaryDirectory()
        let (plan, homes, signerHomes) = try Self.makeSignedTestnet(in: directory.path, chainID: "signer-refuses")
        let signer = SignerProcess(home: signerHomes[0])
        defer { signer.kill(SIGKILL) }
        try signer.start()
        let config = try NodeHome(homes[0]).loadConfig().privValidator
        let address = try #require(config.listenAddress), signerID = try #require(config.signerID)
        let validator = try #require(config.validatorPublicKey)
        var settings = PrivValidatorConfig()
        settings.requestTimeoutMillis = 5_000
        settings.retryMillis = 0
        let vote = Vote(type: .prevote, height: 1, round: 0, blockID: nil, validatorAddress: validator.address, validatorIndex: 0)
        func ask(_ client: RemoteSignerClient, chainID: String = "signer-refuses") throws(RemoteSignerError) -> Signature {
            try client.sign(.vote(chainID: chainID, vote: vote), signBytes: vote.signBytes(chainID: chainID))
        }
        let stranger = RemoteSignerClient(config: settings, address: address, signerID: signerID, validatorPublicKey: validator,
                                          chainID: "signer-refuses", nodeKey: KeyPair.generate(), logger: Logger(label: "test"))
        #expect(eventually(seconds: 30) { signer.log.contains("signer ready") }, "\(signer.log)")
        #expect(throws: RemoteSignerError.self) { try ask(stranger) }
        #expect(eventually(seconds: 10) { signer.log.contains("is not in this signer's allowed_node_ids") }, "\(signer.log)")

        let node = RemoteSignerClient(config: settings, address: address, signerID: signerID, validatorPublicKey: validator,
                                      chainID: "signer-refuses", nodeKey: plan.nodes[0].nodeKey, logger: Logger(label: "test"))
        do {
            _ = try ask(node, chainID: "another-chain")
            Issue.record("the signer signed for another chain")
        } catch {
            #expect(error.description.contains("another-chain"), "\(error)")
        }
        #expect(validator.verify(try ask(node), message: vote.signBytes(chainID: "signer-refuses")))
    }
}

/// Hybrid chains whose validators' keys live in signer processes (docs/SIGNER.md).
@Suite("remote signer processes on hybrid chains", .serialized)
struct HybridRemoteSignerProcessTests {
    static func checkpointEpochs(signerHome: String) throws -> SignerInterchange.Checkpoint? {
        let export = try RatifyCLI.run(["signer", "export", "--home", signerHome, "--output", signerHome + "/state.json"])
        guard export.status == 0 else { throw TestFailure("\(export)") }
        let path = signerHome + "/state.json"
        let checkpoint = try SignerInterchange(json: Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path).checkpoint
        if let checkpoint {
            #expect(export.stdout.contains("checkpoint votes signed up to source epoch \(checkpoint.sourceEpoch), target epoch \(checkpoint.targetEpoch)"),
                    "\(export)")
        }
        return checkpoint
    }

    @Test("validators signing checkpoint votes through signer processes finalize checkpoints; a killed signer's node follows the chain, says why it does not vote, and votes again once the signer is back",
          .timeLimit(.minutes(5)))
    func hybridLocalnetWithSigners() async throws {
        let directory = try TemporaryDirectory()
        var plan = try TestnetGenerator.plan(HybridProcessTests.fastHybridOptions(validators: 4, chainID: "hybrid-signers"))
        // Three miners are enough for this machine's two cores; node 3 only votes.
        plan.nodes[3].config.pow.miningThreads = 0
        try TestnetGenerator.write(plan, to: directory.path)
        let homes = plan.nodes.indices.map { "\(directory.path)/node\($0)" }
        let signerHomes = try RemoteSignerProcessTests.moveKeys(plan, homes: homes)
        #expect(homes.allSatisfy { !FileManager.default.fileExists(atPath: $0 + "/config/validator_key.json") })
        let network = try SignedNodes(homes: homes, signerHomes: signerHomes)
        defer { network.kill(SIGKILL) }
        let signers = network.signers, nodes = network.nodes
        let rpcs = plan.nodes.map(\.config.rpc.listenAddress)

        #expect(await PoWPartitionProcessTests.eventually(seconds: 150) {
            (await HybridProcessTests.latestFinalized(rpcs[0]))?.epoch ?? 0 >= 2
        }, "node 0 finalizes epoch 2; its log ends:\n\(nodes[0].log.suffix(2_000))")
        for (index, node) in nodes.enumerated() {
            #expect(node.log.contains("checkpoint vote signed"), "node \(index):\n\(node.log.suffix(1_500))")
            #expect(signers[index].log.contains("node connected"), "signer \(index):\n\(signers[index].log)")
        }

        // Signer 3 killed: node 3 keeps following (its finalized checkpoint moves on with the
        // other three's votes) and logs why it does not vote.
        signers[3].kill(SIGKILL)
        let atKill = try #require(await HybridProcessTests.latestFinalized(rpcs[3]))
        #expect(await PoWPartitionProcessTests.eventually(seconds: 90) {
            (await HybridProcessTests.latestFinalized(rpcs[3]))?.epoch ?? 0 >= atKill.epoch + 2
        }, "node 3 follows finality past epoch \(atKill.epoch); its log ends:\n\(nodes[3].log.suffix(2_000))")
        #expect(nodes[3].log.contains("not voting: the remote signer cannot be reached"), "\(nodes[3].log.suffix(2_000))")

        let votesBefore = nodes[3].log.components(separatedBy: "checkpoint vote signed").count
        try signers[3].start()
        #expect(await PoWPartitionProcessTests.eventually(seconds: 60) {
            nodes[3].log.contains("remote signer reachable again")
                && nodes[3].log.components(separatedBy: "checkpoint vote signed").count > votesBefore
        }, "node 3 votes again; its log ends:\n\(nodes[3].log.suffix(2_000))")

        network.kill(SIGTERM)
        // Each signer's own guard recorded the votes it signed.
        for (index, home) in signerHomes.enumerated() {
            let epochs = try Self.checkpointEpochs(signerHome: home)
            #expect((epochs?.targetEpoch ?? 0) >= 2, "signer \(index): \(String(describing: epochs))")
        }
        #expect(!nodes.contains { $0.log.contains("checkpoint slashing evidence") })
    }

    @Test("a pow node with priv_validator.laddr set refuses to start and says why")
    func powNodeRefusesRemoteSigner() throws {
        let directory = try TemporaryDirectory()
        var options = try HybridProcessTests.fastHybridOptions(validators: 1, chainID: "pow-signer")
        options.mode = .pow
        var plan = try TestnetGenerator.plan(options)
        plan.nodes[0].config.privValidator.listenAddress = HostPort(host: "127.0.0.1", port: 1)
        plan.nodes[0].config.privValidator.signerID = KeyPair.generate().publicKey.address
        plan.nodes[0].config.privValidator.validatorPublicKey = plan.nodes[0].validatorKey.publicKey
        try TestnetGenerator.write(plan, to: directory.path)
        let run = try RatifyCLI.run(["start", "--home", directory.path + "/node0"])
        #expect(run.status != 0, "\(run)")
        #expect((run.stdout + run.stderr).contains("a pow node casts no votes"), "\(run)")
    }
}
