import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyOps

@Suite("ratify init")
struct NodeHomeInitializerTests {
    /// A 2-validator testnet's genesis.json and nodes, to join.
    private func testnet(_ directory: TemporaryDirectory) throws -> TestnetGenerator.Plan {
        var options = TestnetGenerator.Options(validatorCount: 2, genesisTime: try #require(GenesisTime(rfc3339: "2026-01-01T00:00:00Z")))
        options.seed = [UInt8](repeating: 3, count: 32)
        let plan = try TestnetGenerator.plan(options)
        try TestnetGenerator.write(plan, to: directory.path + "/net")
        return plan
    }

    @Test("a home for an existing key: the chain's genesis, listeners from the base port, the peers, that key and a fresh node key")
    func existingKey() throws {
        let directory = try TemporaryDirectory()
        let plan = try testnet(directory)
        let key = KeyPair.generate()
        var options = NodeHomeInitializer.Options(home: directory.path + "/carol", genesisFile: directory.path + "/net/genesis.json", moniker: "carol")
        options.basePort = 27000
        options.peers = plan.nodes.map { PeerAddress(nodeID: $0.nodeID, endpoint: $0.config.p2p.listenAddress) }
        options.validatorKey = key
        let initialized = try NodeHomeInitializer.initialize(options)

        let home = NodeHome(directory.path + "/carol")
        #expect(try home.loadGenesis().genesisHash == plan.genesis.genesisHash)
        #expect(try home.loadValidatorKey().seed == key.seed)
        let nodeKey = try home.loadNodeKey()
        #expect(nodeKey.publicKey.address == initialized.nodeID)
        #expect(nodeKey.publicKey != key.publicKey)
        let config = try home.loadConfig()
        #expect(config == initialized.config)
        #expect(config.moniker == "carol")
        #expect(config.p2p.persistentPeers == options.peers)
        #expect([config.p2p.listenAddress, config.rpc.listenAddress, config.p2p.udpListenAddress,
                 config.instrumentation.prometheusListenAddress].map(\.port) == [27000, 27001, 27002, 27004])
        #expect(initialized.peerAddress.description == "\(initialized.nodeID.hex)@127.0.0.1:27000")
        #expect(initialized.text.contains("validator_pub_key: \(key.publicKey.hex)"))
        #expect(!initialized.text.contains(Hex.encode(key.seed)) && !"\(initialized.json)".contains(Hex.encode(key.seed)),
                "the secret is never printed")
        let mode = (try FileManager.default.attributesOfItem(atPath: home.validatorKeyFile)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)

        // Without a key: a fresh one, different each time.
        var fresh = options
        fresh.home = directory.path + "/dave"
        fresh.validatorKey = nil
        #expect(try NodeHomeInitializer.initialize(fresh).validatorKey != key.publicKey)
    }

    @Test("an existing home is never touched; bad options and a bad genesis write nothing")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        _ = try testnet(directory)
        let genesis = directory.path + "/net/genesis.json"
        let existing = directory.path + "/net/node0"
        let keyBefore = try NodeHome(existing).loadValidatorKey()
        #expect(throws: NodeHomeInitializer.InitError.homeExists(path: existing)) {
            try NodeHomeInitializer.initialize(.init(home: existing, genesisFile: genesis, moniker: "again"))
        }
        #expect(try NodeHome(existing).loadValidatorKey().seed == keyBefore.seed)

        let target = directory.path + "/new"
        var badPort = NodeHomeInitializer.Options(home: target, genesisFile: genesis, moniker: "n")
        badPort.basePort = 65_532
        #expect(throws: NodeHomeInitializer.InitError.self) { try NodeHomeInitializer.initialize(badPort) }
        var badHost = NodeHomeInitializer.Options(home: target, genesisFile: genesis, moniker: "n")
        badHost.host = "not a host"
        #expect(throws: NodeHomeInitializer.InitError.self) { try NodeHomeInitializer.initialize(badHost) }
        let badMoniker = NodeHomeInitializer.Options(home: target, genesisFile: genesis, moniker: "")
        #expect(throws: NodeHomeInitializer.InitError.self) { try NodeHomeInitializer.initialize(badMoniker) }
        let notGenesis = try directory.write("bad.json", "{}")
        do {
            _ = try NodeHomeInitializer.initialize(.init(home: target, genesisFile: notGenesis, moniker: "n"))
            Issue.record("a bad genesis must be refused")
        } catch {
            #expect(error.description.hasPrefix("\(notGenesis): "), "the error names the file: \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was written")
        #expect(throws: NodeHomeInitializer.InitError.option(.init(option: "--base-port", reason: "expected 1 to 65531 (the node listens on BASE to BASE+4), got 65532"))) {
            try NodeHomeInitializer.initialize(badPort)
        }
    }
}
