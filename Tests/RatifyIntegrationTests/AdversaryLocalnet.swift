import Foundation
import RatifyCore
import RatifyNet
import RatifyNode
import RatifyOps
import Testing

/// One 4-validator network of real `ratify start` processes shared by every scenario of a suite
/// (`.adversaryLocalnet`), so the suite pays for one start-up. Each scenario begins with
/// `prepare()`, which restarts nodes an earlier scenario crashed and replaces a network it left
/// halted or split (that scenario has already failed for it), and ends with `expectHealthy(since:)`.
///
/// Used by one test at a time (the suite is `.serialized`), hence `@unchecked Sendable`.
final class AdversaryLocalnet: @unchecked Sendable {
    @TaskLocal static var current: AdversaryLocalnet?

    private(set) var directory: TemporaryDirectory
    private(set) var plan: TestnetGenerator.Plan
    private(set) var nodes: [NodeProcess]
    /// The genesis validator set: which index a validator's votes carry.
    private(set) var validators: ValidatorSet
    private var adversariesMade = 0

    var chainID: String { plan.genesis.chainID }
    var nodeIDs: [NodeID] { plan.nodes.map(\.nodeID) }

    /// What a scenario is measured against.
    struct Baseline {
        let heights: [UInt64]
        let logBytes: [Int]
        let victim: Int
        let victimMemoryKiB: Int
        var heightMax: UInt64 { heights.max() ?? 0 }
    }

    private typealias Network = (directory: TemporaryDirectory, plan: TestnetGenerator.Plan, nodes: [NodeProcess], validators: ValidatorSet)

    static func start() throws -> AdversaryLocalnet {
        AdversaryLocalnet(try startNetwork())
    }

    /// A fresh testnet in a new directory on new ports, started and finalizing.
    private static func startNetwork() throws -> Network {
        let directory = try TemporaryDirectory()
        let (plan, homes) = try LocalnetProcessTests.makeTestnet(in: directory.path, chainID: "byzantine")
        let validators = try ValidatorSet(validators: plan.genesis.validators.map {
            Validator(publicKey: $0.publicKey, votingPower: Int64(clamping: $0.stake))
        })
        let nodes = homes.map(NodeProcess.init)
        for node in nodes { try node.start() }
        guard eventually(seconds: 60, { nodes.allSatisfy { $0.height >= 2 } }) else {
            nodes.forEach { $0.kill(SIGKILL) }
            throw TestFailure("the adversary localnet did not start finalizing: heights \(nodes.map(\.height))")
        }
        return (directory, plan, nodes, validators)
    }

    private init(_ network: Network) {
        (directory, plan, nodes, validators) = network
    }

    /// Replaces the network with a fresh one. Restarting the old one is not enough: a
    /// validator restarted in the middle of a height refuses to re-sign the votes it lost,
    /// so a network that halted there stays halted across restarts.
    private func replace() throws {
        stop()
        (directory, plan, nodes, validators) = try Self.startNetwork()
    }

    func stop() { nodes.forEach { $0.kill(SIGKILL) } }

    func p2pPort(_ node: Int) -> UInt16 { plan.nodes[node].config.p2p.listenAddress.port }
    func rpcURL(_ node: Int) -> String { "http://127.0.0.1:\(plan.nodes[node].config.rpc.listenAddress.port)" }

    /// A fresh adversary connected to `node` by its real handshake.
    /// Each comes from a loopback address of its own (127.0.1.2, 127.0.1.3, ...), never the honest
    /// nodes' 127.0.0.1: a victim that penalises the address of a peer that misbehaved must not
    /// thereby refuse the honest nodes, as it would if they all shared one host.
    func adversary(to node: Int = 0, reading: Bool = true, receiveBufferBytes: Int32? = nil) throws -> AdversaryPeer {
        adversariesMade += 1
        let source = "127.0.\(1 + adversariesMade / 250 % 250).\(2 + adversariesMade % 250)"
        return try AdversaryPeer(port: p2pPort(node), chainID: chainID, reading: reading, receiveBufferBytes: receiveBufferBytes,
                                 source: source)
    }

    /// The validator at `index` in the genesis set, with its node's keys.
    func validator(_ index: Int) -> (address: Address, index: UInt32, key: KeyPair?) {
        let validator = validators.validators[index]
        let key = plan.nodes.first { $0.validatorKey.publicKey == validator.publicKey }?.validatorKey
        return (validator.address, UInt32(index), key)
    }

    /// Which plan node holds validator `index`.
    func node(ofValidator index: Int) -> Int {
        plan.nodes.firstIndex { $0.validatorKey.publicKey == validators.validators[index].publicKey } ?? 0
    }

    /// Restarts nodes a previous scenario left dead; replaces the network if it then does not
    /// finalize or its nodes do not all reconnect (an earlier scenario halted it or got honest
    /// nodes to ban each other). Returns once every node finalizes and has its three honest peers.
    func prepare(victim: Int = 0) async throws -> Baseline {
        for node in nodes where !node.isRunning { try node.start() }
        if try await !isHealthy(seconds: 20) {
            print("adversary localnet: unhealthy at heights \(nodes.map(\.height)); starting a fresh network")
            try replace()
            guard try await isHealthy(seconds: 60) else {
                throw TestFailure("a fresh adversary localnet is not healthy: heights \(nodes.map(\.height))")
            }
        }
        return baseline(victim: victim)
    }

    /// Within `seconds`: every node finalizes two more heights and reports 3 peers.
    func isHealthy(seconds: Double) async throws -> Bool {
        let target = (nodes.map(\.height).max() ?? 0) + 2
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if nodes.allSatisfy({ $0.height >= target }) {
                var connected = true
                for node in nodes.indices where await peers(node) != nodes.count - 1 { connected = false }
                if connected { return true }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// The node's `ratify_p2p_peers` gauge, nil when the metrics endpoint does not answer.
    func peers(_ node: Int) async -> Int? {
        let port = plan.nodes[node].config.instrumentation.prometheusListenAddress.port
        guard let (status, body) = try? await HTTP.request("http://127.0.0.1:\(port)/metrics"), status == 200,
              let line = body.split(separator: "\n").first(where: { $0.hasPrefix("ratify_p2p_peers ") }),
              let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { return nil }
        return Int(value)
    }

    /// Heights, log lengths and the victim's memory now.
    func baseline(victim: Int) -> Baseline {
        Baseline(heights: nodes.map(\.height), logBytes: nodes.map { $0.log.utf8.count }, victim: victim,
                 victimMemoryKiB: residentKiB(victim) ?? 0)
    }

    func residentKiB(_ node: Int) -> Int? {
        HostilePeerProcessTests.residentAnonymousKiB(nodes[node].process.processIdentifier)
    }

    /// What `node` logged since the baseline.
    func logSince(_ baseline: Baseline, node: Int) -> Substring {
        let log = nodes[node].log
        return Substring(log.utf8.dropFirst(baseline.logBytes[node]))
    }

    /// Lines since the baseline in which a node drops, refuses or is dropped by an honest peer;
    /// warnings first, since they carry the reason (the other side logs only "closed by the peer").
    func honestDisconnects(since baseline: Baseline, among running: [Int]) -> [String] {
        let honest = running.map { nodeIDs[$0].hex }
        let lines = running.flatMap { node in
            logSince(baseline, node: node).split(separator: "\n").filter { line in
                // A duplicate connection being replaced is not a lost peer.
                (line.contains("disconnected") || line.contains("closing new session")) && !line.contains("duplicate")
                    && honest.contains { line.contains($0) }
            }.map { "node\(node): \($0)" }
        }
        return lines.filter { $0.contains("warning") } + lines.filter { !$0.contains("warning") }
    }

    /// The scenario's verdict: no node process exited, the running nodes finalize `advancing`
    /// more heights within `seconds`, no honest node dropped another, and the victim's own
    /// memory (RssAnon) grew by less than `memoryGrowthKiBMax`. `stopped` lists nodes the
    /// scenario stopped on purpose. Ten heights take a few seconds on this chain (200 ms
    /// heartbeat): long enough for a trap at the next decision or gossip tick to show.
    func expectHealthy(since baseline: Baseline, _ scenario: String, advancing: UInt64 = 10, within seconds: Double = 30,
                       stopped: Set<Int> = [], memoryGrowthKiBMax: Int = 64 * 1024,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let running = nodes.indices.filter { !stopped.contains($0) }
        let target = baseline.heightMax + advancing
        let advanced = eventually(seconds: seconds) { running.allSatisfy { nodes[$0].height >= target || !nodes[$0].isRunning } }
        for node in running where !nodes[node].isRunning {
            Issue.record("\(scenario): node\(node) exited (status \(nodes[node].process.terminationStatus)):\n\(Self.crashSummary(logSince(baseline, node: node)))",
                         sourceLocation: sourceLocation)
        }
        #expect(advanced && running.allSatisfy { nodes[$0].isRunning },
                "\(scenario): the network must finalize \(advancing) more heights (to \(target)) within \(Int(seconds)) s: heights \(nodes.map(\.height)), running \(nodes.map(\.isRunning))",
                sourceLocation: sourceLocation)
        let disconnects = honestDisconnects(since: baseline, among: running.filter { nodes[$0].isRunning })
        #expect(disconnects.isEmpty, "\(scenario): honest peers must stay connected; \(disconnects.count) lines such as:\n\(disconnects.prefix(4).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        if nodes[baseline.victim].isRunning, let memoryKiB = residentKiB(baseline.victim) {
            #expect(memoryKiB < baseline.victimMemoryKiB + memoryGrowthKiBMax,
                    "\(scenario): the victim's memory grew from \(baseline.victimMemoryKiB) KiB to \(memoryKiB) KiB",
                    sourceLocation: sourceLocation)
        }
    }
}

extension AdversaryLocalnet {
    /// The lines of a crash report that say what trapped and where: the banner and the top
    /// frames of the crashed thread (Swift's backtracer also prints registers, memory and
    /// every other thread).
    static func crashSummary(_ log: Substring) -> String {
        let lines = log.split(separator: "\n")
        let banner = lines.filter { $0.contains("***") }.prefix(1)
        guard let crashed = lines.firstIndex(where: { $0.drop { $0 == " " }.hasPrefix("Thread ") && $0.hasSuffix(" crashed:") }) else {
            return (banner + lines.suffix(10)).joined(separator: "\n")
        }
        return (banner + lines[crashed..<min(lines.endIndex, crashed + 7)]).joined(separator: "\n")
    }
}

/// Starts one `AdversaryLocalnet` around a whole suite and stops it after the suite's last test.
struct AdversaryLocalnetTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let localnet = try AdversaryLocalnet.start()
        defer { localnet.stop() }
        try await AdversaryLocalnet.$current.withValue(localnet) { try await function() }
    }
}

extension Trait where Self == AdversaryLocalnetTrait {
    static var adversaryLocalnet: Self { Self() }
}
