import Foundation
import NIOPosix
import RatifyCore
import RatifyNode
import RatifyOps
import Synchronization

/// `ratify chaos`: a fresh localnet under an open-loop load of signed transfers, with the
/// faults of a seeded `ChaosPlanner` plan applied while the load runs; then every node is
/// stopped, their stores are compared by `HistoryCheck` against the transactions the RPC
/// acknowledged as final, and a `ChaosReport` says what happened.
///
/// Child processes: the validators are `ratify start` children of this process (through
/// `Localnet`); every path out of `run` (the end, an error, cancellation by Ctrl-C) resumes
/// paused ones and stops them all.
public final class ChaosRunner: Sendable {
    /// The environment variable that shifts a node's wall clock (see `NodeDriver.Settings`).
    public static let clockOffsetVariable = "RATIFY_CLOCK_OFFSET_MS"

    struct State {
        var applied: [ChaosReport.Applied] = []
        /// Heals whose resumption is not seen yet: plan index, when, the height to pass.
        var pendingHeals: [(index: Int, atNanos: UInt64, aboveHeight: UInt64)] = []
        var active: Set<Int> = []
        /// Nodes the runner has stopped on purpose and not started again yet.
        var stopped: Set<Int> = []
        /// Nodes that exited when nothing stopped them (a crash: the run fails).
        var unexpectedExits: [Int: String] = [:]
    }

    let options: ChaosOptions
    let progress: @Sendable (String) -> Void
    let group: MultiThreadedEventLoopGroup
    let state = Mutex(State())

    public init(options: ChaosOptions, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.progress = progress
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    deinit { try? group.syncShutdownGracefully() }

    /// The faults this run's seed lays out (equal stake per validator, as the localnet has).
    public var plan: [Perturbation] {
        ChaosPlanner(votingPowers: Array(repeating: 1, count: options.validators), durationSeconds: options.durationSeconds,
                     seed: options.seed).plan()
    }

    /// `--plan-only --json`: the planned faults as a JSON array, in the report's field names.
    public var planJSON: String { ReportJSON.text(plan) }

    public func run() async throws -> ChaosReport {
        if let problem = options.problem { throw BenchError(problem) }
        let plan = self.plan
        state.withLock { $0.applied = plan.map { ChaosReport.Applied(perturbation: $0, status: "skipped", detail: "the run ended first") } }
        let networkProblem = networkNamespacesProblem()
        let inNamespaces = networkProblem == nil
        let script = options.netnsScript
        var hosts: [String]?
        var launchPrefix: (@Sendable (Int) -> [String])?
        if inNamespaces {
            hosts = (0..<options.validators).map(Self.namespaceHost)
            launchPrefix = { node in [script, "exec", String(node)] }
        }
        let localnet = try BenchLocalnet(validators: options.validators, senders: options.clients, binary: options.binary,
                                         basePort: options.basePort, hosts: hosts, launchPrefix: launchPrefix,
                                         downtimeWindowMillis: ChaosPlanner.downtimeWindowMillis,
                                         nodeLogs: true)
        progress("chaos: seed \(options.seed), \(plan.count) faults planned; starting \(options.validators) validators in \(localnet.directory)")
        do {
            try await localnet.start(supervised: false)
        } catch {
            await localnet.stop(keepDirectory: true)
            throw error
        }
        let outcomes = await runLoad(localnet: localnet, plan: plan, networkProblem: networkProblem)
        let finalHeights = await settle(localnet)
        let validatorsInSet = await validatorsInSet(localnet)
        await stopNodes(localnet, inNamespaces: inNamespaces)

        let acknowledged = outcomes.compactMap { outcome -> HistoryCheck.Acknowledged? in
            guard case .final(let height) = outcome.result, let hash = outcome.transactionHash else { return nil }
            return HistoryCheck.Acknowledged(hash: hash, height: height)
        }
        let acknowledgedFile = localnet.directory + "/acknowledged.txt"
        try? Data(HistoryCheck.acknowledgedText(acknowledged).utf8).write(to: URL(fileURLWithPath: acknowledgedFile))
        let homes = (0..<options.validators).map { "\(localnet.directory)/node\($0)" }
        progress("checking the history of \(homes.count) stores against \(acknowledged.count) acknowledged transactions")
        let histories = try homes.enumerated().map { index, home in try NodeHistory.load(home: NodeHome(home), name: "node\(index)") }
        let history = HistoryCheck.check(histories, acknowledged: acknowledged)
        var report = makeReport(outcomes: outcomes, history: history, latestHeights: finalHeights,
                                liveDisagreements: localnet.disagreeingHeights, homes: localnet.directory,
                                nodeErrors: localnet.nodeErrors, inNamespaces: inNamespaces)
        report.validatorsInSet = validatorsInSet
        if report.passed, !options.keepHomes { try? FileManager.default.removeItem(atPath: localnet.directory) }
        return report
    }

    // MARK: The loaded part: load, faults, progress

    func runLoad(localnet: BenchLocalnet, plan: [Perturbation], networkProblem: String?) async -> [TransactionOutcome] {
        let schedule = OpenLoopSchedule(ratePerSecond: options.ratePerSecond, seconds: options.durationSeconds)
        // wait=final: a killed node takes its event stream with it, while a held request
        // simply fails and is counted as such.
        let generator = LoadGenerator(schedule: schedule, senders: localnet.makeSenders(), endpoints: localnet.endpoints, group: group,
                                      confirmation: .wait, resyncNonces: true)
        let startNanos = LoadGenerator.nowNanos() + 20_000_000
        let monitor = Task { await self.monitor(localnet: localnet, generator: generator, plan: plan, startNanos: startNanos) }
        let outcomes: [TransactionOutcome] = await withTaskGroup(of: [TransactionOutcome].self) { tasks in
            for (index, fault) in plan.enumerated() {
                tasks.addTask {
                    await self.execute(index, fault, localnet: localnet, startNanos: startNanos, networkProblem: networkProblem)
                    return []
                }
            }
            tasks.addTask {
                // Open loop: sends that fell behind (the chain stalled) are not caught up after
                // the end; they stay unsent, so the run ends on time.
                let load = Task { await generator.run(startNanos: startNanos) }
                await self.sleep(until: self.options.durationSeconds, from: startNanos)
                load.cancel()
                return await load.value
            }
            var all: [TransactionOutcome] = []
            for await part in tasks { all += part }
            return all
        }
        // Heals at the very end still get their chance to be seen resuming.
        let deadline = LoadGenerator.nowNanos() + UInt64(options.resumeBoundSeconds * 1e9)
        while state.withLock({ !$0.pendingHeals.isEmpty }), LoadGenerator.nowNanos() < deadline, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        monitor.cancel()
        _ = await monitor.value
        return outcomes
    }

    /// Every 200 ms: notes heals every node has resumed after; every second: the progress line.
    func monitor(localnet: BenchLocalnet, generator: LoadGenerator, plan: [Perturbation], startNanos: UInt64) async {
        var lastLineNanos: UInt64 = 0
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 200_000_000)
            let now = LoadGenerator.nowNanos()
            let heights = localnet.latestHeights
            let lowest = heights.min() ?? 0
            for node in 0..<options.validators where !localnet.localnet.isRunning(node: node) {
                let elapsed = Double(LoadGenerator.elapsedNanos(since: startNanos)) / 1e9
                state.withLock { state in
                    if !state.stopped.contains(node), state.unexpectedExits[node] == nil {
                        state.unexpectedExits[node] = String(format: "node%d exited by itself at %.1f s (see its node.log)", node, elapsed)
                    }
                }
            }
            let (active, applied, skipped) = state.withLock { state in
                state.pendingHeals.removeAll { heal in
                    guard lowest > heal.aboveHeight else { return false }
                    state.applied[heal.index].resumeSeconds = Double(now - heal.atNanos) / 1e9
                    return true
                }
                return (state.active.sorted(), state.applied.filter { $0.status == "applied" }.count,
                        state.applied.filter { $0.status == "skipped" && $0.detail != "the run ended first" }.count)
            }
            guard now - lastLineNanos >= 1_000_000_000 else { continue }
            lastLineNanos = now
            let elapsed = Double(LoadGenerator.elapsedNanos(since: startNanos)) / 1e9
            let load = generator.takeProgress(elapsedSeconds: elapsed)
            let faults = active.map { index in
                String(format: "%@ (%.0f s left)", plan[index].summary, max(0, plan[index].endSeconds - elapsed))
            }
            progress(String(format: "[%6.1f/%.0f s] heights %@  sent %d  final %d  failed %d  faults: %@  applied %d skipped %d",
                            elapsed, options.durationSeconds, heights.map(String.init).joined(separator: "/"), load.sent, load.final,
                            load.failed, faults.isEmpty ? "none" : faults.joined(separator: ", "), applied, skipped))
        }
    }

    /// Applies fault `index` at its start, heals it at its end, and queues its resumption.
    func execute(_ index: Int, _ fault: Perturbation, localnet: BenchLocalnet, startNanos: UInt64, networkProblem: String?) async {
        await sleep(until: fault.startSeconds, from: startNanos)
        guard !Task.isCancelled else { return }
        if fault.kind.needsNetworkNamespaces, let networkProblem {
            record(index, status: "skipped", detail: networkProblem)
            return
        }
        let detail: String?
        do {
            detail = try await apply(fault, localnet: localnet)
        } catch {
            record(index, status: "skipped", detail: "could not apply: \(error)")
            return
        }
        record(index, status: "applied", detail: detail)
        state.withLock { _ = $0.active.insert(index) }
        // Cancelled (Ctrl-C): heal at once, so nothing is left paused or cut off.
        await sleep(until: fault.endSeconds, from: startNanos)
        var healNote: String?
        do {
            healNote = try await heal(fault, localnet: localnet)
        } catch {
            healNote = "heal failed: \(error)"
        }
        if let healNote { record(index, status: "applied", detail: [detail, healNote].compactMap { $0 }.joined(separator: "; ")) }
        let highest = localnet.latestHeights.max() ?? 0
        state.withLock { state in
            state.active.remove(index)
            state.pendingHeals.append((index, LoadGenerator.nowNanos(), highest))
        }
    }

    func record(_ index: Int, status: String, detail: String?) {
        state.withLock { state in
            state.applied[index].status = status
            state.applied[index].detail = detail
        }
    }

    func sleep(until seconds: Double, from startNanos: UInt64) async {
        let due = startNanos + UInt64(max(0, seconds) * 1e9)
        let now = LoadGenerator.nowNanos()
        if due > now { try? await Task.sleep(nanoseconds: due - now) }
    }

    // MARK: Faults

    /// Does what `fault` says; returns what it did worth reporting.
    func apply(_ fault: Perturbation, localnet: BenchLocalnet) async throws -> String? {
        let nodes = localnet.localnet
        switch fault.kind {
        case .kill:
            for node in fault.nodes { try await stop(node, signal: SIGKILL, nodes) }
            return nil
        case .pause:
            for node in fault.nodes { nodes.signal(node: node, SIGSTOP) }
            return nil
        case .truncateWAL:
            var deleted: [String] = []
            for node in fault.nodes {
                try await stop(node, signal: SIGKILL, nodes)
                guard let home = nodes.home(of: node) else { throw BenchError("node\(node) has no home") }
                let result = try WALTruncation.run(home: NodeHome(home), records: fault.walRecords ?? 1)
                deleted.append("node\(node): deleted \(result.deleted), \(result.remaining) remain")
            }
            return deleted.joined(separator: "; ")
        case .clockOffset:
            let offset = fault.clockOffsetMillis ?? 0
            var notes: [String] = []
            for node in fault.nodes {
                if let note = try await stop(node, signal: SIGTERM, nodes) { notes.append(note) }
                try restart(node, nodes, environment: [Self.clockOffsetVariable: String(offset)])
            }
            return notes.isEmpty ? nil : notes.joined(separator: "; ")
        case .isolate:
            let others = (0..<options.validators).filter { !fault.nodes.contains($0) }
            try netns(["partition", [others, fault.nodes].map { $0.map(String.init).joined(separator: ",") }.joined(separator: "|")])
            return nil
        case .split:
            let half = options.validators / 2
            try netns(["partition", "\((0..<half).map(String.init).joined(separator: ","))|\((half..<options.validators).map(String.init).joined(separator: ","))"])
            return nil
        case .shape:
            guard let shaping = fault.shaping else { return nil }
            for node in fault.nodes {
                try netns(["shape", String(node), "--delay-ms", String(shaping.delayMillis), "--jitter-ms", String(shaping.jitterMillis),
                           "--loss-pct", String(shaping.lossPercent)])
            }
            return nil
        }
    }

    /// Undoes what `apply` did; returns a note worth reporting, if any.
    func heal(_ fault: Perturbation, localnet: BenchLocalnet) async throws -> String? {
        let nodes = localnet.localnet
        var notes: [String] = []
        switch fault.kind {
        case .kill, .truncateWAL:
            for node in fault.nodes { try restart(node, nodes) }
        case .pause:
            for node in fault.nodes { nodes.signal(node: node, SIGCONT) }
        case .clockOffset:
            for node in fault.nodes {
                if let note = try await stop(node, signal: SIGTERM, nodes) { notes.append(note) }
                try restart(node, nodes)
            }
        case .isolate, .split:
            try netns(["heal"])
        case .shape:
            for node in fault.nodes { try netns(["unshape", String(node)]) }
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// A node given SIGTERM that has not exited after this long gets SIGKILL. A node stops
    /// in well under a second when idle; open keep-alive RPC connections of the load can hold
    /// its shutdown for up to the RPC's `wait=final` timeout.
    static let gracefulStopSeconds = 3.0

    /// Sends `signal` and waits for the node to exit (SIGKILL after `gracefulStopSeconds`);
    /// returns a note when SIGKILL was needed.
    @discardableResult
    func stop(_ node: Int, signal: Int32, _ nodes: Localnet) async throws -> String? {
        state.withLock { _ = $0.stopped.insert(node) }
        nodes.signal(node: node, signal)
        if await nodes.waitForExit(node: node, timeoutSeconds: signal == SIGKILL ? 10 : Self.gracefulStopSeconds) { return nil }
        nodes.signal(node: node, SIGKILL)
        guard await nodes.waitForExit(node: node, timeoutSeconds: 10) else { throw BenchError("node\(node) did not exit after SIGKILL") }
        return "node\(node) did not stop within \(Int(Self.gracefulStopSeconds)) s of SIGTERM; killed"
    }

    /// Starts a node this run stopped, with `environment` added.
    func restart(_ node: Int, _ nodes: Localnet, environment: [String: String] = [:]) throws {
        try nodes.relaunch(node: node, environment: environment)
        state.withLock { _ = $0.stopped.remove(node) }
    }

    // MARK: Network namespaces

    /// Validator i's address in its namespace (Tools/netns.sh's fixed layout).
    static func namespaceHost(_ index: Int) -> String { "10.77.0.\(10 + index)" }

    /// Nil when the validators run in network namespaces and network faults can be injected;
    /// otherwise why those faults are skipped (the run then stays on loopback).
    /// With --netns the namespaces must be up and this process inside `ratify-client`
    /// (Tools/chaos-netns.sh does both): `Tools/netns.sh check` exits 3 where they cannot be made.
    func networkNamespacesProblem() -> String? {
        guard options.networkNamespaces else { return "needs --netns (validators in network namespaces, Tools/netns.sh)" }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: options.netnsScript)
        check.arguments = ["check"]
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        do { try check.run() } catch { return "--netns: cannot run \(options.netnsScript): \(error)" }
        let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        check.waitUntilExit()
        return check.terminationStatus == 0 ? nil : "--netns: \(message) (Tools/netns.sh check exited \(check.terminationStatus))"
    }

    /// Runs `Tools/netns.sh ARGS`; exit 4 (no netem) and other failures throw with its message.
    func netns(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.netnsScript)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return
        case 4: throw BenchError("netem unavailable in this kernel (Tools/netns.sh exit 4)")
        case let status: throw BenchError("Tools/netns.sh \(arguments.first ?? "") exited \(status): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    // MARK: The end

    /// Waits (up to the resume bound) until every node has the height the highest had when
    /// the load ended; returns each node's latest height.
    func settle(_ localnet: BenchLocalnet) async -> [UInt64] {
        let target = localnet.latestHeights.max() ?? 0
        let deadline = Date().addingTimeInterval(options.resumeBoundSeconds)
        while (localnet.latestHeights.min() ?? 0) < target, Date() < deadline, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        return localnet.latestHeights
    }

    /// The size of the validator set at the latest height, asked of the first node that
    /// answers: with downtime jailing on, a validator jailed during the run has left it.
    func validatorsInSet(_ localnet: BenchLocalnet) async -> Int? {
        for endpoint in localnet.endpoints {
            let reader = ChainReader(endpoint: endpoint, group: group)
            if let set = try? await reader.object("/validators"), let count = set["count"] as? Int { return count }
        }
        return nil
    }

    /// Resumes paused nodes, heals the network, and stops every node (SIGTERM, then SIGKILL).
    func stopNodes(_ localnet: BenchLocalnet, inNamespaces: Bool) async {
        for node in 0..<options.validators { localnet.localnet.signal(node: node, SIGCONT) }
        if inNamespaces { try? netns(["heal"]) }
        await localnet.stop(keepDirectory: true)
    }

    func makeReport(outcomes: [TransactionOutcome], history: HistoryCheck.Report, latestHeights: [UInt64],
                    liveDisagreements: [UInt64], homes: String,
                    nodeErrors: [String], inNamespaces: Bool) -> ChaosReport {
        var transactions = ChaosReport.Transactions(scheduled: outcomes.count, acknowledged: 0, rejected: 0, timedOut: 0, failed: 0,
                                                    unsent: 0, lost: history.lostCount, duplicated: history.duplicatedCount)
        for outcome in outcomes {
            switch outcome.result {
            case .final: transactions.acknowledged += 1
            case .rejected: transactions.rejected += 1
            case .timedOut: transactions.timedOut += 1
            case .failed: transactions.failed += 1
            case .unsent: transactions.unsent += 1
            }
        }
        let applied = state.withLock { $0.applied }
        let resumes = applied.compactMap(\.resumeSeconds).sorted()
        // The last heal: the applied fault that ended last.
        let lastHealed = applied.filter { $0.status == "applied" }.max { $0.perturbation.endSeconds < $1.perturbation.endSeconds }
        let lastResumed = lastHealed.map { ($0.resumeSeconds ?? .infinity) <= options.resumeBoundSeconds } ?? true
        let resume = ChaosReport.Resume(heals: resumes.count, p50Seconds: resumes.isEmpty ? nil : resumes[resumes.count / 2],
                                        maxSeconds: resumes.last, boundSeconds: options.resumeBoundSeconds,
                                        lastHealResumedWithinBound: lastResumed)
        let settings = ChaosReport.Settings(validators: options.validators, durationSeconds: options.durationSeconds, seed: options.seed,
                                            rateTxPerSecond: options.ratePerSecond, networkNamespaces: inNamespaces,
                                            buildMode: FinalityBench.buildMode, command: options.command, homes: homes)
        let exits = state.withLock { $0.unexpectedExits.sorted { $0.key < $1.key }.map(\.value) }
        return ChaosReport(settings: settings, perturbations: applied, latestHeights: latestHeights,
                           liveDisagreements: liveDisagreements, transactions: transactions,
                           doubleSigns: history.doubleSigns.count, resume: resume, history: history, unexpectedExits: exits,
                           nodeErrors: nodeErrors)
    }
}
