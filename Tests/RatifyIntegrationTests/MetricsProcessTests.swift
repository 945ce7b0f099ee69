import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Testing

/// The metrics an operator alerts on, scraped from real nodes: build info, this validator's
/// power, signed and missed heights, the validators missing from the last commit, block sync
/// and the process, each with `# HELP` and `# TYPE`.
@Suite("operator metrics on a real localnet", .serialized)
struct MetricsProcessTests {
    /// A metrics page as `name{labels}` → value, and the names its `# HELP` and `# TYPE` lines describe.
    struct Scrape {
        var samples: [String: Double] = [:]
        var helped: Set<String> = []
        var typed: Set<String> = []

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                if line.hasPrefix("# HELP "), words.count > 2 { helped.insert(String(words[2])) }
                if line.hasPrefix("# TYPE "), words.count > 2 { typed.insert(String(words[2])) }
                if !line.hasPrefix("#"), let value = words.last.flatMap({ Double($0) }) {
                    samples[String(line.dropLast(words.last?.count ?? 0).dropLast())] = value
                }
            }
        }

        /// The samples of `name`, with or without labels.
        func values(_ name: String) -> [String: Double] {
            samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
        }
    }

    static func scrape(_ port: UInt16) async -> Scrape? {
        guard let reply = try? await HTTP.request("http://127.0.0.1:\(port)/metrics"), reply.status == 200 else { return nil }
        return Scrape(reply.body)
    }

    /// `GET /status` as JSON.
    static func status(_ rpc: HostPort) async throws -> [String: Any] {
        let reply = try await HTTP.request("http://\(rpc.host):\(rpc.port)/status")
        guard let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else {
            throw TestFailure("/status: \(reply.body)")
        }
        return object
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The commit this repository has checked out, read here independently of the node.
    static func checkedOutCommit() throws -> String {
        let run = try RatifyCLI.run(command: ["/usr/bin/git", "-C", repositoryRoot.path, "rev-parse", "HEAD"])
        guard run.status == 0 else { throw TestFailure("git rev-parse: \(run)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A testnet of `validators` on free ports, with a heartbeat of 100 ms.
    static func plan(validators: Int, chainID: String) throws -> TestnetGenerator.Plan {
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else { throw TestFailure("clock") }
        var options = TestnetGenerator.Options(validatorCount: validators, genesisTime: time)
        options.chainID = chainID
        options.basePort = try #require(LocalPorts.freeBase(nodes: validators))
        options.heartbeatMillis = 100
        return try TestnetGenerator.plan(options)
    }

    @Test("with one of four validators down, the others name it as missing; started late, it syncs, counts its missed heights, then signs and is no longer missing")
    func missingValidatorComesBack() async throws {
        let directory = try TemporaryDirectory()
        var plan = try Self.plan(validators: 4, chainID: "operator-metrics")
        plan.genesis.consensus.timeoutProposeMillis = 300
        // Long enough for a late precommit to make the next last commit; a height with all four
        // in ends its wait at once.
        plan.genesis.consensus.timeoutCommitMillis = 300
        try TestnetGenerator.write(plan, to: directory.path)
        let nodes = (0..<4).map { NodeProcess(home: "\(directory.path)/node\($0)") }
        defer { nodes.forEach { $0.kill(SIGKILL) } }
        let metricsPorts = plan.nodes.map(\.config.instrumentation.prometheusListenAddress.port)
        let absentAddress = try NodeHome(nodes[3].home).loadValidatorKey().publicKey.address.hex
        let absentName = try #require(plan.genesis.validators.first { $0.publicKey.address.hex == absentAddress }?.name)
        let absentSeries = "ratify_consensus_missing_validator{address=\"\(absentAddress)\",name=\"\(absentName)\"}"

        // node3 does not run: 3 of 4 equal powers still decide, and every last commit lacks it.
        for node in nodes.prefix(3) { try node.start() }
        #expect(eventually(seconds: 90) { nodes[0].height >= 8 }, "the chain grows without node3: \(nodes.map(\.height))")
        let first = try #require(await Self.scrape(metricsPorts[0]))
        #expect(first.samples[absentSeries] == 1, "\(first.values("ratify_consensus_missing_validator"))")
        #expect(first.samples["ratify_consensus_missing_validators"] == 1)
        #expect(first.values("ratify_consensus_missing_validator").count == 1, "only node3 is missing")
        #expect((first.samples["ratify_validator_last_signed_height"] ?? 0) >= 5, "node0 signs")
        #expect(first.samples["ratify_validator_missed_blocks_total"] == 0)
        let status0 = try await Self.status(plan.nodes[0].config.rpc.listenAddress)
        let power = ((status0["validator_info"] as? [String: Any])?["voting_power"] as? NSNumber)?.doubleValue
        #expect(power != nil && first.samples["ratify_validator_power"] == power, "as /status says: \(String(describing: power))")
        #expect(first.samples["ratify_blocksync_syncing"] == 0)
        // The sample dashboard reads only metrics a node serves (proof of work's on PoW nodes).
        let dashboard = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("Tools/grafana-dashboard.json"), encoding: .utf8)
        let read = Set(dashboard.matches(of: #/(ratify|process)_[a-z0-9_]+/#).map { String($0.output.0) })
            .map { name in ["_bucket", "_sum", "_count"].first { name.hasSuffix($0) }.map { String(name.dropLast($0.count)) } ?? name }
        #expect(read.count >= 15, "\(read)")
        let unserved = Set(read).subtracting(first.typed).filter { !$0.hasPrefix("ratify_pow_") }
        #expect(unserved.isEmpty, "the dashboard reads metrics node0 does not serve: \(unserved.sorted())")

        // node3 starts behind: block sync applies the heights it missed, each counted.
        try nodes[3].start()
        #expect(eventually(seconds: 60) { nodes[3].height + 1 >= nodes[0].height && nodes[3].height >= 8 },
                "node3 catches up: \(nodes.map(\.height))")
        var caughtUp: Scrape?
        let deadline = Date().addingTimeInterval(60)
        var signedAgain = false
        while Date() < deadline, !signedAgain {
            caughtUp = await Self.scrape(metricsPorts[3])
            let node0 = await Self.scrape(metricsPorts[0])
            signedAgain = (caughtUp?.samples["ratify_validator_last_signed_height"] ?? 0) > 0 && node0?.samples[absentSeries] == nil
                && node0?.samples["ratify_consensus_missing_validators"] == 0
            try await Task.sleep(for: .milliseconds(200))
        }
        let node3 = try #require(caughtUp)
        #expect(signedAgain, "node3 signs again and node0 no longer names it: \(node3.values("ratify_validator")), \(nodes.map(\.height))")
        #expect((node3.samples["ratify_validator_missed_blocks_total"] ?? 0) >= 6, "the heights decided without it: \(node3.values("ratify_validator"))")
        #expect((node3.samples["ratify_blocksync_target_height"] ?? 0) >= 8, "\(node3.values("ratify_blocksync"))")
        #expect(node3.samples["ratify_validator_power"] == power)
    }

    @Test("a proof-of-stake node's /metrics: every family with # HELP and # TYPE, build info with the checked-out commit as /status and --version say, process metrics, no proof-of-work metrics")
    func describedBuildAndProcess() async throws {
        let directory = try TemporaryDirectory()
        let plan = try Self.plan(validators: 1, chainID: "described-metrics")
        try TestnetGenerator.write(plan, to: directory.path)
        let node = NodeProcess(home: "\(directory.path)/node0")
        defer { node.kill(SIGKILL) }
        try node.start()
        #expect(eventually(seconds: 60) { node.height >= 2 }, "a sole validator decides: \(node.height)")
        let port = plan.nodes[0].config.instrumentation.prometheusListenAddress.port
        let text = try await HTTP.request("http://127.0.0.1:\(port)/metrics").body
        let scrape = Scrape(text)

        #expect(!scrape.typed.isEmpty)
        #expect(scrape.typed.subtracting(scrape.helped).isEmpty, "without # HELP: \(scrape.typed.subtracting(scrape.helped).sorted())")
        for name in ["ratify_validator_power", "ratify_validator_last_signed_height", "ratify_validator_missed_blocks_total",
                     "ratify_consensus_missing_validators", "ratify_evidence_seen_total", "ratify_blocksync_syncing",
                     "ratify_blocksync_target_height", "ratify_build_info", "ratify_p2p_bytes_sent_total", "process_cpu_seconds_total",
                     "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
            #expect(scrape.typed.contains(name) && scrape.helped.contains(name), "\(name) described")
        }
        #expect(!text.contains("ratify_pow_"), "no proof-of-work metrics on a proof-of-stake node")
        #expect(scrape.samples["ratify_evidence_seen_total{kind=\"duplicate_vote\"}"] == 0)

        let commit = try Self.checkedOutCommit()
        let build = scrape.values("ratify_build_info")
        #expect(build.count == 1 && build.values.first == 1, "\(build)")
        let label = try #require(build.keys.first)
        #expect(label.hasPrefix("ratify_build_info{version=\"\(RatifyVersion.current)\",commit=\"\(commit)"), "\(label) against HEAD \(commit)")
        let nodeInfo = try #require(try await Self.status(plan.nodes[0].config.rpc.listenAddress)["node_info"] as? [String: Any])
        #expect(nodeInfo["version"] as? String == RatifyVersion.current)
        let statusCommit = try #require(nodeInfo["commit"] as? String)
        #expect(statusCommit.hasPrefix(commit) && label.contains("commit=\"\(statusCommit)\""), "\(statusCommit)")
        let version = try RatifyCLI.run(["--version"])
        #expect(version.status == 0 && version.stdout == "\(RatifyVersion.current) (commit \(statusCommit))\n", "\(version)")

        #expect((scrape.samples["process_cpu_seconds_total"] ?? 0) > 0)
        #expect((scrape.samples["process_resident_memory_bytes"] ?? 0) > 1_000_000)
        #expect((scrape.samples["process_open_fds"] ?? 0) >= 3)
        #expect((scrape.samples["process_max_fds"] ?? 0) >= (scrape.samples["process_open_fds"] ?? .infinity))
        let started = scrape.samples["process_start_time_seconds"] ?? 0
        #expect(abs(started - Date().timeIntervalSince1970) < 600, "started moments ago: \(started)")
    }
}
