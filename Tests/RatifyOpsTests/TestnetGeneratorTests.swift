import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyOps

@Suite("testnet")
struct TestnetGeneratorTests {
    private func options(_ count: Int, seed: [UInt8]? = [UInt8](repeating: 7, count: 32)) throws -> TestnetGenerator.Options {
        var options = TestnetGenerator.Options(validatorCount: count, genesisTime: try #require(GenesisTime(rfc3339: "2026-01-01T00:00:00Z")))
        options.seed = seed
        return options
    }

    @Test("ports inside the kernel's ephemeral range get a one-line warning naming them and the range; ports below it none")
    func ephemeralPortWarning() throws {
        #expect(EphemeralPorts.parse("32768\t60999\n") == 32768...60999)
        #expect(EphemeralPorts.parse("60999 32768") == nil)
        #expect(EphemeralPorts.parse("junk") == nil)
        #expect(EphemeralPorts.parse("1 2 3") == nil)
        let range = 32768...60999
        #expect(EphemeralPorts.warning(for: try TestnetGenerator.plan(try options(4)), range: range) == nil, "26656-26694 lie below it")
        var inside = try options(4)
        inside.basePort = 41000
        let warning = try #require(EphemeralPorts.warning(for: try TestnetGenerator.plan(inside), range: range))
        #expect(warning.hasPrefix("ports 41000-41034 are inside this machine's ephemeral range 32768-60999"))
        #expect(warning.contains("--base-port below 32768"))
        var straddling = try options(4)
        straddling.basePort = 32740
        #expect(try #require(EphemeralPorts.warning(for: try TestnetGenerator.plan(straddling), range: range)).hasPrefix("ports 32770-32774"))
    }

    @Test("N nodes get distinct ports, dial every other node, and their validators fund accounts")
    func plan() throws {
        let plan = try TestnetGenerator.plan(try options(5))
        #expect(plan.nodes.count == 5)
        var ports: Set<UInt16> = []
        for node in plan.nodes {
            for address in [node.config.p2p.listenAddress, node.config.rpc.listenAddress,
                            node.config.p2p.udpListenAddress, node.config.instrumentation.prometheusListenAddress] {
                #expect(ports.insert(address.port).inserted, "port \(address.port) used twice")
            }
        }
        #expect(plan.nodes[0].config.p2p.listenAddress.port == 26656)
        #expect(plan.nodes[0].config.rpc.listenAddress.port == 26657)
        for (index, node) in plan.nodes.enumerated() {
            let expected = Set(plan.nodes.enumerated().filter { $0.offset != index }.map {
                PeerAddress(nodeID: $0.element.nodeID, endpoint: $0.element.config.p2p.listenAddress)
            })
            #expect(Set(node.config.p2p.persistentPeers) == expected)
            #expect(node.config.p2p.persistentPeers.count == 4)
            #expect(plan.genesis.validators[index].publicKey == node.validatorKey.publicKey)
            #expect(plan.genesis.accounts[index].address == node.validatorKey.publicKey.address)
            #expect(node.nodeKey.publicKey != node.validatorKey.publicKey)
        }
        // The same seed gives the same keys; no seed gives fresh ones.
        #expect(try TestnetGenerator.plan(try options(5)).genesis == plan.genesis)
        #expect(try TestnetGenerator.plan(try options(5, seed: nil)).genesis != plan.genesis)
    }

    @Test("written homes load back: config, keys, and a genesis identical to DIR/genesis.json")
    func written() throws {
        let directory = try TemporaryDirectory()
        let plan = try TestnetGenerator.plan(try options(3))
        try TestnetGenerator.write(plan, to: directory.path)
        let shared = try GenesisFile.load(directory.path + "/genesis.json")
        #expect(shared == plan.genesis)
        let sharedBytes = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/genesis.json"))
        // Every field is written out, the minimum fee included, so the file says what a transaction costs.
        #expect(String(decoding: sharedBytes, as: UTF8.self).contains(#""min_fee": 1"#))
        #expect(shared.staking.minFee == 1)
        for node in plan.nodes {
            let home = NodeHome(directory.path + "/" + node.name)
            #expect(try home.loadConfig() == node.config)
            #expect(try home.loadValidatorKey().publicKey == node.validatorKey.publicKey)
            #expect(try home.loadNodeKey().publicKey == node.nodeKey.publicKey)
            #expect(try Data(contentsOf: URL(fileURLWithPath: home.genesisFile)) == sharedBytes)
            #expect(FileManager.default.fileExists(atPath: home.dataDirectory))
        }
        // A second run into the same directory refuses rather than replace keys.
        #expect(throws: FileSystemError.self) { try TestnetGenerator.write(plan, to: directory.path) }
    }

    @Test("with one host per validator, each node listens on its own address at the base ports and is dialled there")
    func separateHosts() throws {
        var options = try options(4)
        options.hosts = ["10.77.0.10", "10.77.0.11", "node2.example", "10.77.0.10"]
        let plan = try TestnetGenerator.plan(options)
        let p2p = plan.nodes.map(\.config.p2p.listenAddress)
        #expect(p2p == [HostPort(host: "10.77.0.10", port: 26656), HostPort(host: "10.77.0.11", port: 26656),
                        HostPort(host: "node2.example", port: 26656), HostPort(host: "10.77.0.10", port: 26666)])
        for node in plan.nodes {
            let host = node.config.p2p.listenAddress.host
            #expect(node.config.rpc.listenAddress == HostPort(host: host, port: node.config.p2p.listenAddress.port + 1))
            #expect(node.config.p2p.udpListenAddress == HostPort(host: host, port: node.config.p2p.listenAddress.port + 2))
            #expect(node.config.instrumentation.prometheusListenAddress.host == host)
        }
        #expect(plan.nodes[0].config.p2p.persistentPeers.map(\.endpoint) == Array(p2p[1...]))

        options.hosts = ["10.77.0.10", "10.77.0.11"]
        #expect(throws: TestnetGenerator.OptionError(option: "--hosts", reason: "expected one host per validator (4), got 2")) {
            try TestnetGenerator.plan(options)
        }
        options.hosts = ["10.77.0.10", "", "10.77.0.12", "10.77.0.13"]
        #expect(throws: TestnetGenerator.OptionError(option: "--hosts", reason: "expected host names or IP addresses, got \"\"")) {
            try TestnetGenerator.plan(options)
        }
    }

    @Test("options out of range are one-line errors naming the flag")
    func badOptions() throws {
        #expect(throws: TestnetGenerator.OptionError(option: "--validators", reason: "expected 1 to 100, got 0")) {
            try TestnetGenerator.plan(try options(0))
        }
        var high = try options(4)
        high.basePort = 65530
        #expect(throws: TestnetGenerator.OptionError(option: "--base-port",
                                                     reason: "65530 leaves no room for 4 nodes of 10 ports each on one host; use at most 65501")) {
            try TestnetGenerator.plan(high)
        }
        var badChain = try options(1)
        badChain.chainID = "a b"
        #expect(throws: TestnetGenerator.OptionError.self) { try TestnetGenerator.plan(badChain) }
    }

    @Test("every hybrid testnet checkpoints every 4 blocks unless told otherwise (the benchmarks' too); pow keeps 32; epoch length 0 is refused naming --epoch-length")
    func hybridEpochLength() throws {
        var hybrid = try options(4)
        hybrid.mode = .hybrid
        #expect(try TestnetGenerator.plan(hybrid).genesis.pow.epochLength == TestnetGenerator.localnetHybridEpochLength)
        #expect(TestnetGenerator.localnetHybridEpochLength == 4)
        hybrid.hybridEpochLength = 8
        #expect(try TestnetGenerator.plan(hybrid).genesis.pow.epochLength == 8)
        var pow = try options(4)
        pow.mode = .pow
        pow.hybridEpochLength = 8
        #expect(try TestnetGenerator.plan(pow).genesis.pow.epochLength == PoWParams().epochLength)
        hybrid.hybridEpochLength = 0
        #expect(throws: TestnetGenerator.OptionError(option: "--epoch-length", reason: "must be positive")) {
            try TestnetGenerator.plan(hybrid)
        }
    }
}
