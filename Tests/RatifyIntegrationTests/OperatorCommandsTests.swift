import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import RatifyStore
import Testing

private let curlPath = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// `ratify show`, `ratify reset` and `GET /events` against real homes and real node processes.
@Suite("operator commands", .serialized)
struct OperatorCommandsTests {
    @Test("show node-id and show validator print the home's keys as text and JSON; a bad home is one line on stderr")
    func show() throws {
        let directory = try TemporaryDirectory()
        let (_, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let home = try #require(homes.first)
        let nodeKey = try NodeHome(home).loadNodeKey().publicKey
        let validatorKey = try NodeHome(home).loadValidatorKey().publicKey

        let id = try RatifyCLI.run(["show", "node-id", "--home", home])
        #expect(id.status == 0, "\(id)")
        #expect(id.stdout == nodeKey.address.hex + "\n")
        let idJSON = try RatifyCLI.run(["show", "node-id", "--home", home, "--json"])
        #expect(idJSON.json["id"]?.stringValue == nodeKey.address.hex)

        let validator = try RatifyCLI.run(["show", "validator", "--home", home])
        #expect(validator.status == 0, "\(validator)")
        #expect(validator.stdout.contains(validatorKey.address.hex))
        #expect(validator.stdout.contains(validatorKey.hex))
        #expect(!validator.stdout.contains("secret"))
        let validatorJSON = try RatifyCLI.run(["show", "validator", "--home", home, "--json"])
        #expect(validatorJSON.json["address"]?.stringValue == validatorKey.address.hex)
        #expect(validatorJSON.json["pub_key"]?.stringValue == validatorKey.hex)

        let missing = try RatifyCLI.run(["show", "node-id", "--home", directory.path + "/nope"])
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains(directory.path + "/nope/config/node_key.json"))
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing)")
    }

    @Test("curl -N /events shows blocks finalize; reset is refused while the node runs and without confirmation, then keeps the signer state")
    func eventsAndReset() throws {
        let directory = try TemporaryDirectory()
        let (_, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let home = try #require(homes.first)
        let genesis = try NodeHome(home).loadGenesis()
        let rpcPort = try NodeHome(home).loadConfig().rpc.listenAddress.port
        let node = NodeProcess(home: home)
        try node.start()
        defer { node.kill(SIGKILL) }
        guard eventually(seconds: 60, { node.height >= 3 }) else { throw TestFailure("no blocks: \(node.log.suffix(2_000))") }

        if let curlPath {
            // curl gives up after 5 s (exit 28); what it printed by then is the stream.
            let curl = try RatifyCLI.run(command: [curlPath, "-sN", "--max-time", "5", "http://127.0.0.1:\(rpcPort)/events?types=block"])
            #expect(curl.stdout.hasPrefix(": subscribed to block events"), "\(curl)")
            #expect(curl.stdout.contains("event: block\ndata: {\"height\":"), "\(curl)")
            #expect(!curl.stdout.contains("event: tx"))
        } else {
            print("skipping the curl -N /events check: curl is not installed")
        }

        let whileRunning = try RatifyCLI.run(["reset", "--home", home, "--yes"])
        #expect(whileRunning.status == 1)
        #expect(whileRunning.stderr.contains("is in use by another ratify process"), "\(whileRunning)")
        node.kill(SIGTERM)

        var store = try NodeStore.open(dataDirectory: home + "/data", genesis: genesis)
        let heightBefore = try store.blocks.latestHeight()
        let signerBefore = try #require(try store.signer.lastSigned())
        store.close()
        #expect(heightBefore >= 3)

        // No --yes and nothing on stdin: not confirmed, nothing deleted.
        let unconfirmed = try Self.runWithEmptyInput(["reset", "--home", home])
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.stderr == "\(home): not reset (not confirmed); answer y, or pass --yes\n")

        let reset = try RatifyCLI.run(["reset", "--home", home, "--yes"])
        #expect(reset.status == 0, "\(reset)")
        #expect(reset.stdout.contains("deleted \(heightBefore) block(s)"))
        #expect(reset.stdout.contains("last signed height \(signerBefore.position.height)"))

        store = try NodeStore.open(dataDirectory: home + "/data", genesis: genesis)
        #expect(try store.blocks.latestHeight() == 0)
        #expect(try store.wal.recordCount() == 0)
        #expect(try store.signer.lastSigned() == signerBefore)
        // A vote at height 1 again, as the restarted node would ask for, is refused.
        let key = try NodeHome(home).loadValidatorKey()
        #expect(throws: SignerRefusal.self) {
            try store.signer.authorize(height: 1, round: 0, step: .prevote, signBytes: Array("prevote h1".utf8), sign: key.sign)
        }
        store.close()

        // The node starts again from genesis (and, alone, cannot sign its way past its old height).
        try node.start()
        #expect(eventually(seconds: 30) { node.log.components(separatedBy: "node ready").count == 3 }, "\(node.log.suffix(2_000))")
        let ready = node.log.split(separator: "\n").last { $0.contains("node ready") } ?? ""
        #expect(ready.contains("height=1"), "\(ready)")
    }

    @Test("rollback undoes the last height's state; the restarted node re-executes the same block, goes on, and store check passes")
    func rollback() throws {
        let directory = try TemporaryDirectory()
        let (_, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, validators: 1)
        let home = try #require(homes.first)
        let genesis = try NodeHome(home).loadGenesis()
        let node = NodeProcess(home: home)
        try node.start()
        defer { node.kill(SIGKILL) }
        guard eventually(seconds: 60, { node.height >= 4 }) else { throw TestFailure("no blocks: \(node.log.suffix(2_000))") }
        let whileRunning = try RatifyCLI.run(["rollback", "--home", home])
        #expect(whileRunning.status == 1)
        #expect(whileRunning.stderr.contains("is in use by another ratify process"), "\(whileRunning)")
        node.kill(SIGTERM)

        var store = try NodeStore.open(dataDirectory: home + "/data", genesis: genesis)
        let height = try store.blocks.latestHeight()
        let blockHash = try #require(try store.blocks.blockHash(height: height))
        let appHash = try #require(try store.state.appHash(height: height))
        let signer = try store.signer.lastSigned()
        store.close()

        let rolledBack = try RatifyCLI.run(["rollback", "--home", home])
        #expect(rolledBack.status == 0, "\(rolledBack)")
        #expect(rolledBack.stdout.contains("rolled back the state of height \(height)"))
        store = try NodeStore.open(dataDirectory: home + "/data", genesis: genesis)
        #expect(try store.blocks.latestHeight() == height - 1)
        #expect(try store.state.appHash(height: height) == nil)
        #expect(try store.blocks.blockHash(height: height) == blockHash)
        #expect(try store.signer.lastSigned() == signer)
        store.close()
        // Until the node re-executes it, the kept block sits above the tip.
        let pending = try RatifyCLI.run(["store", "check", "--home", home])
        #expect(pending.status == 1, "\(pending)")

        try node.start()
        #expect(eventually(seconds: 60) { node.height > height + 1 }, "\(node.log.suffix(2_000))")
        node.kill(SIGTERM)
        store = try NodeStore.open(dataDirectory: home + "/data", genesis: genesis)
        #expect(try store.blocks.blockHash(height: height) == blockHash)
        #expect(try store.state.appHash(height: height) == appHash)
        #expect(try store.blocks.latestHeight() > height)
        store.close()
        let check = try RatifyCLI.run(["store", "check", "--home", home])
        #expect(check.status == 0, "\(check)")
    }

    @Test("on a proof-of-work node, curl -N /events shows blocks as they reach their confirmations, with no round",
          .enabled(if: curlPath != nil, "curl is not installed"))
    func powEvents() throws {
        let directory = try TemporaryDirectory()
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: 1, genesisTime: time)
        options.chainID = "pow-events"
        options.mode = .pow
        options.basePort = try #require(LocalPorts.freeBase(nodes: 1))
        // As the partition test: well under a second a block for a debug-build miner.
        options.pow.initialBits = 0x1f00_0e00
        options.pow.targetBlockMillis = 300
        options.pow.asertHalfLifeSeconds = 60
        options.pow.confirmations = 2
        let plan = try TestnetGenerator.plan(options)
        try TestnetGenerator.write(plan, to: directory.path)
        let node = NodeProcess(home: directory.path + "/node0")
        try node.start()
        defer { node.kill(SIGKILL) }
        let rpc = try #require(plan.nodes.first).config.rpc.listenAddress
        guard eventually(seconds: 30, { node.log.contains("serving") }) else { throw TestFailure("no RPC: \(node.log.suffix(1_500))") }
        let curl = try RatifyCLI.run(command: [curlPath ?? "curl", "-sN", "--max-time", "8",
                                               "http://127.0.0.1:\(rpc.port)/events?types=block"])
        #expect(curl.stdout.hasPrefix(": subscribed to block events"), "\(curl)\n\(node.log.suffix(1_500))")
        #expect(curl.stdout.contains("event: block\ndata: {\"height\":"), "\(curl)\n\(node.log.suffix(1_500))")
        #expect(curl.stdout.contains("\"round\":null"))
    }

    /// `ratify ARGUMENTS...` with stdin at end of file, as under a script with nothing piped in.
    static func runWithEmptyInput(_ arguments: [String]) throws -> RatifyCLI.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcess.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RatifyCLI.Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }
}
