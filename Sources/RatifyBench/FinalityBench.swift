import Foundation
import NIOCore
import NIOPosix
import RatifyCore
import RatifyNode
import Synchronization

/// `ratify bench finality`: measures how fast a validator set finalizes transfers under a
/// constant open-loop load, on a localnet of its own or on running nodes.
///
/// How "final" is learned (`--confirm`, `LoadGenerator`): by default every transfer is a plain
/// `POST /tx` on its sender's keep-alive connection, answered on admission, and one
/// `GET /events?types=tx` stream per node, subscribed before the first send, delivers the
/// moment that node has decided (2/3+ precommits) and stored the block holding it. The event's
/// arrival minus the intended send time is submit-to-final as a client sees it, loopback
/// included, with no polling delay. `--confirm wait` holds `POST /tx?wait=final` open per
/// transaction instead. Blocks (header time, transactions, round) are read back with
/// `GET /block` and `GET /commit` after the timed part, and each node's own
/// header-time-to-decision from its `finalized` log lines when the benchmark started the nodes.
public final class FinalityBench: Sendable {
    /// The report's `finality_method`: which confirmation path ran.
    /// How finality was learned; `byAccount`: every event stream named its senders' accounts.
    /// `batchWindowMillis` > 0: submissions gathered into `POST /txs` (`--batch-window-ms`).
    public static func finalityMethod(_ confirmation: FinalityBenchOptions.Confirmation, byAccount: Bool = true,
                                      batchWindowMillis: Double = 0) -> String {
        switch confirmation {
        case .events:
            "events: \(batchWindowMillis > 0 ? "POST /txs per node with the sends due within \(batchWindowMillis) ms" : "POST /tx") on keep-alive connections, final at the tx event of GET /events?types=tx\(byAccount ? "&account=<the senders submitting there>" : "") (one stream per node); latency from the intended send time to the event"
        case .wait:
            "wait: POST /tx?wait=final per transaction, one sender per keep-alive connection; latency from the intended send time to the answer"
        }
    }

    let options: FinalityBenchOptions
    let progress: @Sendable (String) -> Void
    let group: MultiThreadedEventLoopGroup

    public init(options: FinalityBenchOptions, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.progress = progress
        // One thread: the client shares the machine with the validators it measures.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    deinit { try? group.syncShutdownGracefully() }

    public static var buildMode: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    static func endpoint(_ url: String) -> LoadGenerator.Endpoint? {
        var rest = Substring(url)
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port),
              colon > rest.startIndex else { return nil }
        return LoadGenerator.Endpoint(host: String(rest[..<colon]), port: port)
    }

    /// Runs what the options ask for: one run, a saturation search or a sweep.
    public func run() async throws -> BenchDocument {
        if let problem = options.problem { throw BenchError(problem) }
        if !options.sweep.isEmpty {
            var runs: [BenchReport] = []
            for validators in options.sweep {
                progress("sweep: \(validators) validators")
                runs.append(try await withLocalnet(validators: validators) { try await self.measure($0, rate: self.options.ratePerSecond) })
            }
            return BenchDocument(mode: "sweep", command: options.command, runs: runs)
        }
        if options.saturate {
            let (runs, saturation) = try await withTarget { try await self.saturate($0) }
            return BenchDocument(mode: "saturate", command: options.command, runs: runs, saturation: saturation)
        }
        let report = try await withTarget { try await self.measure($0, rate: self.options.ratePerSecond) }
        return BenchDocument(mode: "single", command: options.command, runs: [report])
    }

    /// Steps the rate up by half each time, from `--rate`, until a step is not sustainable, then
    /// refines between the last sustainable and the first unsustainable rate (`SaturationLadder`).
    func saturate(_ target: BenchTarget) async throws -> ([BenchReport], BenchDocument.Saturation) {
        var runs: [BenchReport] = []
        var ladder = SaturationLadder(start: options.ratePerSecond, refinements: options.saturateRefinements)
        var next: Double? = ladder.rate
        var reason = "reached 1000000 tx/s"
        while let rate = next {
            progress(String(format: "saturate: %.0f tx/s", rate))
            let report = try await measure(target, rate: rate)
            runs.append(report)
            let sustainable = report.isSustainable(p99BoundMillis: options.p99BoundMillis)
            if !sustainable {
                // Each unsustainable step is lower than the one before: the reason is the lowest's.
                let t = report.throughput
                reason = t.finalized != t.offered
                    ? String(format: "at %.0f tx/s, %d of %d offered transactions were final", rate, t.finalized, t.offered)
                    : String(format: "at %.0f tx/s, p99 %.1f ms exceeds the %.1f ms bound", rate,
                             report.latencyMillis.submitToFinal.p99, options.p99BoundMillis)
            }
            next = ladder.record(sustainable: sustainable)
        }
        return (runs, BenchDocument.Saturation(p99BoundMillis: options.p99BoundMillis, sustainableRateTxPerSecond: ladder.sustainable,
                                               stoppedBecause: reason))
    }

    // MARK: Targets

    func withTarget<T>(_ body: (BenchTarget) async throws -> T) async throws -> T {
        if options.attach.isEmpty { return try await withLocalnet(validators: options.validators, body) }
        let target = try await attachedTarget()
        defer { target.close() }
        return try await body(target)
    }

    func withLocalnet<T>(validators: Int, chain: BenchLocalnet.Chain = BenchLocalnet.Chain(),
                         _ body: (BenchTarget) async throws -> T) async throws -> T {
        var timing = BenchLocalnet.Timing()
        timing.timeoutCommitMillis = options.timeoutCommitMillis
        let localnet = try BenchLocalnet(validators: validators, senders: options.clients, binary: options.binary, timing: timing,
                                         retainBlocks: options.retainBlocks, chain: chain, remoteSigners: options.remoteSigners)
        progress("starting \(validators) \(chain.mode.rawValue) nodes in \(localnet.directory)")
        do {
            try await localnet.start()
            let senders = localnet.makeSenders()
            // The consensus timeouts only mean something on a PoS chain.
            let timing = chain.mode == .pos ? localnet.timing : nil
            let target = BenchTarget(endpoints: localnet.endpoints, senders: senders, validators: validators,
                                     processIdentifiers: { localnet.processIdentifiers }, loggedBlocks: { localnet.loggedBlocks() },
                                     timing: timing, metricsEndpoints: localnet.metricsEndpoints,
                                     loggedCheckpointSteps: { localnet.loggedCheckpointSteps() },
                                     blockIntervalMillis: { localnet.blockIntervalMillis(sinceSeconds: $0) },
                                     dataFileBytes: { localnet.dataFileBytes() })
            let result = try await body(target)
            target.close()
            await localnet.stop()
            return result
        } catch {
            await localnet.stop()
            throw error
        }
    }

    /// Running nodes: the load's accounts are fresh keys, funded by transfers from the
    /// validator keys in `--homes` before the timed part.
    func attachedTarget() async throws -> BenchTarget {
        let endpoints = options.attach.compactMap(Self.endpoint)
        let reader = ChainReader(endpoint: endpoints[0], group: group)
        let (chainID, _) = try await reader.status()
        var funders: [KeyPair] = []
        var index = 0
        while FileManager.default.fileExists(atPath: "\(options.homes)/node\(index)/config/validator_key.json") {
            do { funders.append(try NodeHome("\(options.homes)/node\(index)").loadValidatorKey()) } catch { throw BenchError("\(error)") }
            index += 1
        }
        guard !funders.isEmpty else {
            throw BenchError("--homes \(options.homes): no node*/config/validator_key.json to fund the load's accounts from; pass the homes of the attached chain")
        }
        let keys = (0..<options.clients).map { _ in KeyPair.generate() }
        progress("funding \(keys.count) accounts from \(funders.count) validator keys")
        try await fund(keys, from: funders, chainID: chainID, endpoint: endpoints[0])
        let senders = keys.enumerated().map { index, key in
            BenchSender(key: key, node: index % endpoints.count, chainID: chainID, nonce: 0, fee: 1,
                        recipient: keys[(index + 1) % keys.count].publicKey.address)
        }
        return BenchTarget(endpoints: endpoints, senders: senders, validators: nil, processIdentifiers: { [] },
                           loggedBlocks: { [:] }, timing: nil)
    }

    /// Transfers to each new account from the funders in turn, at most 90 pending per funder
    /// (under the mempool's per-sender cap), waiting for the last of each batch to be final.
    func fund(_ keys: [KeyPair], from funders: [KeyPair], chainID: String, endpoint: LoadGenerator.Endpoint) async throws {
        let reader = ChainReader(endpoint: endpoint, group: group)
        let connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: group)
        defer { connection.close() }
        var nonces: [UInt64] = []
        for funder in funders { nonces.append(try await reader.nonce(of: funder.publicKey.address)) }
        let batch = 90
        var next = 0
        while next < keys.count {
            var used = Set<Int>()
            for (funderIndex, funder) in funders.enumerated() where next < keys.count {
                for _ in 0..<batch where next < keys.count {
                    let transfer = Transaction.signed(chainID: chainID, sender: funder, nonce: nonces[funderIndex], fee: 1,
                                                      payload: .transfer(to: keys[next].publicKey.address, amount: 1_000_000_000))
                    let response = try await connection.request(.POST, "/tx", body: BenchSender.body(transfer))
                    guard response.status == 200 else {
                        throw BenchError("funding transfer refused by \(endpoint.host):\(endpoint.port): \(response.status) \(response.text.prefix(200))")
                    }
                    nonces[funderIndex] += 1
                    next += 1
                    used.insert(funderIndex)
                }
            }
            // A funder's transfers are final once a later transaction of its own is (nonces
            // are sequential): wait on one such probe per funder.
            for funderIndex in used.sorted() {
                let funder = funders[funderIndex]
                let probe = Transaction.signed(chainID: chainID, sender: funder, nonce: nonces[funderIndex], fee: 1,
                                               payload: .transfer(to: funder.publicKey.address, amount: 1))
                nonces[funderIndex] += 1
                let response = try await connection.request(.POST, "/tx?wait=final", body: BenchSender.body(probe))
                guard response.status == 200 else {
                    throw BenchError("funding did not become final on \(endpoint.host):\(endpoint.port): \(response.status) \(response.text.prefix(200))")
                }
            }
        }
    }

    // MARK: One measured run

    func measure(_ target: BenchTarget, rate: Double) async throws -> BenchReport {
        let schedule = OpenLoopSchedule(ratePerSecond: rate, seconds: options.warmupSeconds + options.durationSeconds)
        guard schedule.count > 0 else { throw BenchError("--rate x (--warmup + --duration) schedules no transaction") }
        // Sign ahead: a fair share per sender plus slack, in parallel (not on the clock).
        let perSender = schedule.count / max(target.senders.count, 1) + 2
        await withTaskGroup(of: Void.self) { group in
            let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: target.senders.count, by: workers) { target.senders[index].presign(perSender) }
                }
            }
        }
        let reader = ChainReader(endpoint: target.endpoints[0], group: group)
        let startHeight = try await reader.status().height
        var machine = MachineInfo.current()
        let generator = LoadGenerator(schedule: schedule, senders: target.senders, endpoints: target.endpoints, group: group,
                                      confirmation: options.confirmation, batchWindowNanos: UInt64(options.batchWindowMillis * 1e6))
        let byAccount = try await generator.subscribe()
        let startNanos = LoadGenerator.nowNanos() + 20_000_000
        let startWallMillis = Date().timeIntervalSince1970 * 1_000 + 20
        let warmupNanos = UInt64(options.warmupSeconds * 1e9)
        let endNanos = UInt64((options.warmupSeconds + options.durationSeconds) * 1e9)
        let sampler = NodeSampler(processIdentifiers: target.processIdentifiers())
        let verificationsBefore = await signatureVerifications(target)
        let clientCPUStart = Self.processCPUSeconds()

        let monitor = Task {
            var windowStarted = false
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                let elapsed = Double(LoadGenerator.elapsedNanos(since: startNanos)) / 1e9
                sampler.sample(windowStarted: elapsed >= options.warmupSeconds && !windowStarted,
                               windowEnded: elapsed >= options.warmupSeconds + options.durationSeconds)
                if elapsed >= options.warmupSeconds { windowStarted = true }
                progress(Self.progressLine(generator.takeProgress(elapsedSeconds: elapsed), rate: rate,
                                           warmup: options.warmupSeconds, total: options.warmupSeconds + options.durationSeconds))
            }
        }
        let outcomes = await generator.run(startNanos: startNanos)
        monitor.cancel()
        // Interrupted (`ratify bench` on SIGINT or SIGTERM): no report; the caller stops the localnet.
        try Task.checkCancellation()
        sampler.sample(windowStarted: false, windowEnded: true)
        let clientCPU = Self.processCPUSeconds() - clientCPUStart
        machine.loadAverageEnd = MachineInfo.loadAverage()

        let endHeight = try await reader.status().height
        let runHeights = (startHeight + 1)...max(startHeight + 1, endHeight)
        var blocks = try await reader.blocks(runHeights)
        let logged = target.loggedBlocks()
        for index in blocks.indices {
            if let entry = logged[blocks[index].height] {
                blocks[index].nodeProposeToFinalMillis = entry.latencyMillis
                blocks[index].nodeStoreMillis = entry.storeMillis
                blocks[index].nodeSteps = entry.steps
            }
        }
        let builder = ReportBuilder(startWallMillis: startWallMillis, windowStartNanos: warmupNanos, windowEndNanos: endNanos)
        let settings = BenchReport.Settings(
            validators: target.validators ?? target.endpoints.count, rateTxPerSecond: rate, durationSeconds: options.durationSeconds,
            warmupSeconds: options.warmupSeconds, clients: target.senders.count,
            attach: options.attach.isEmpty ? nil : options.attach, timeoutProposeMillis: target.timing?.timeoutProposeMillis,
            timeoutCommitMillis: target.timing?.timeoutCommitMillis, heartbeatMillis: target.timing?.heartbeatMillis,
            finalityMethod: Self.finalityMethod(options.confirmation, byAccount: byAccount, batchWindowMillis: options.batchWindowMillis),
            buildMode: Self.buildMode, durableStorage: true, batchWindowMillis: options.batchWindowMillis > 0 ? options.batchWindowMillis : nil)
        let windowSeconds = builder.windowSeconds
        let throughput = builder.throughput(outcomes)
        let verificationsAfter = await signatureVerifications(target)
        let finalizedInRun = outcomes.filter { if case .final = $0.result { true } else { false } }.count
        let dataFileBytes = target.dataFileBytes()
        var blockFigures = builder.blocks(blocks, outcomes: outcomes)
        if endHeight > startHeight, blocks.count < runHeights.count { blockFigures.heightsNotServed = runHeights.count - blocks.count }
        let nodes = sampler.results().enumerated().map { index, result in
            var node = BenchReport.Node(name: "node\(index)", rssMaxBytes: result.rssMaxBytes, cpuSeconds: result.windowCPUSeconds,
                                        cpuCoreShare: result.windowCPUSeconds / windowSeconds)
            if index < dataFileBytes.count { node.dataFileBytes = dataFileBytes[index] }
            if throughput.finalized > 0 { node.cpuMicrosPerFinalizedTx = result.windowCPUSeconds * 1e6 / Double(throughput.finalized) }
            if index < verificationsBefore.count, index < verificationsAfter.count, finalizedInRun > 0,
               let before = verificationsBefore[index], let after = verificationsAfter[index] {
                node.signatureVerificationsPerTx = max(0, after - before) / Double(finalizedInRun)
            }
            return node
        }
        return BenchReport(machine: machine, settings: settings, startedAt: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: startWallMillis / 1_000)),
                           windowSeconds: windowSeconds, throughput: throughput,
                           latencyMillis: builder.latencies(outcomes, blocks: blocks), blocks: blockFigures,
                           nodes: nodes, clientCPUSeconds: clientCPU, samples: builder.samples(outcomes),
                           blockSeries: builder.blockSeries(blocks))
    }

    /// Each node's `ratify_signature_verifications_total` (all kinds) now; nil for a node whose
    /// metrics cannot be read. Empty for attached nodes, whose metrics addresses are unknown.
    func signatureVerifications(_ target: BenchTarget) async -> [Double?] {
        var counts: [Double?] = []
        for endpoint in target.metricsEndpoints {
            guard let connection = try? await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: group) else {
                counts.append(nil)
                continue
            }
            let response = try? await connection.request(.GET, "/metrics")
            connection.close()
            // A counter appears at its first increment: an answer without it means none yet.
            counts.append(response.flatMap { $0.status == 200 ? PrometheusText.sum(Self.verificationsMetric, in: $0.text) ?? 0 : nil })
        }
        return counts
    }

    static let verificationsMetric = "ratify_signature_verifications_total"

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func progressLine(_ progress: LoadGenerator.Progress, rate: Double, warmup: Double, total: Double) -> String {
        let phase = progress.elapsedSeconds < warmup ? "warm-up" : "measuring"
        let ended = progress.streamsEnded.map { "\n  event stream ended, outcomes on that node are lost from here: \($0)" }.joined()
        return String(format: "[%5.1f/%.0f s %@] %.0f tx/s offered  sent %d  final %d  failed %d  in flight %d  last 1 s: p50 %.1f ms  p99 %.1f ms",
                      progress.elapsedSeconds, total, phase, rate, progress.sent, progress.final, progress.failed,
                      progress.inFlight, progress.recent.p50, progress.recent.p99) + ended
    }
}
