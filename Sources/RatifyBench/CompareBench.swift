import Foundation
import RatifyCore
import RatifyNode
import RatifyOps

/// What `ratify bench compare` was asked to do (the CLI's options, checked).
public struct CompareOptions: Sendable {
    public var modes: [ChainMode] = ChainMode.allCases
    public var validators = 4
    /// One load for every mode, low enough for a PoW localnet (a block every ~1.5 s) and long
    /// enough for k confirmations to come many times over: docs/PERFORMANCE.md says why.
    public var ratePerSecond = 20.0
    public var durationSeconds = 60.0
    public var warmupSeconds = 10.0
    /// In flight at once at most: at least rate × the slowest mode's finality (20 tx/s × up to
    /// 30 s at k = 6 when a busy machine mines a block in 5 s), so senders are never all busy.
    public var clients = 1_024
    /// PoW k; nil keeps the genesis default (6).
    public var confirmations: UInt64?
    /// The PoW difficulty of the generated chains (`ratify testnet --pow-initial-bits`, `--target-block-ms`).
    public var pow = TestnetGenerator.localnetPoW
    /// Hybrid: blocks per checkpoint epoch (`ratify testnet --epoch-length`).
    public var hybridEpochLength = TestnetGenerator.localnetHybridEpochLength
    public var binary: String
    public var command: String

    public init(binary: String, command: String) {
        self.binary = binary
        self.command = command
    }

    /// The first problem with the options, as a one-line message naming the option.
    public var problem: String? {
        if modes.isEmpty { return "--modes: name at least one of pos, pow, hybrid" }
        if Set(modes).count != modes.count { return "--modes: a mode is named twice" }
        if confirmations == 0 { return "--confirmations must be at least 1" }
        if hybridEpochLength == 0 { return "--epoch-length must be positive" }
        return finalityOptions(rate: ratePerSecond).problem
    }

    /// The load, in the finality benchmark's terms.
    func finalityOptions(rate: Double) -> FinalityBenchOptions {
        var options = FinalityBenchOptions(binary: binary, command: command)
        options.validators = validators
        options.ratePerSecond = rate
        options.durationSeconds = durationSeconds
        options.warmupSeconds = warmupSeconds
        options.clients = clients
        // Held requests: a PoW node's wait outlasts the event path's 10 s drain (k blocks).
        options.confirmation = .wait
        return options
    }

    var chainPoW: PoWParams {
        var params = pow
        if let confirmations { params.confirmations = confirmations }
        return params
    }
}

/// `ratify bench compare`: the same open-loop transfer load against a fresh localnet of each
/// chain mode in turn (`FinalityBench`'s localnet, load and report), then one table.
public final class CompareBench: Sendable {
    /// What "final" means for each mode, as the table shows it.
    static func finality(_ mode: ChainMode, confirmations: UInt64) -> String {
        switch mode {
        case .pos: "2/3+ precommits"
        case .pow: "\(confirmations) confirmations"
        case .hybrid: "checkpoint finalized"
        }
    }

    /// How long a PoW node holds `POST /tx?wait=final`: k blocks, with room for slow ones.
    static let powWaitFinalMillis: UInt64 = 300_000
    static let hashesMetric = "ratify_pow_hashes_total"

    let options: CompareOptions
    let progress: @Sendable (String) -> Void

    public init(options: CompareOptions, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.progress = progress
    }

    public func run() async throws -> CompareDocument {
        if let problem = options.problem { throw BenchError(problem) }
        let pow = options.chainPoW
        var rows: [CompareRow] = []
        var machine = MachineInfo.current()
        for mode in options.modes {
            let finality = Self.finality(mode, confirmations: pow.confirmations)
            progress("\(mode.rawValue): \(finality)")
            do {
                let (report, hashesPerSecond, checkpointSteps) = try await measure(mode, pow: pow)
                machine.loadAverageEnd = report.machine.loadAverageEnd
                var row = CompareRow.measured(mode: mode.rawValue, finality: finality, report: report, hashesPerSecond: hashesPerSecond)
                row.checkpointSteps = checkpointSteps
                rows.append(row)
            } catch {
                rows.append(CompareRow(mode: mode.rawValue, status: .failed, reason: "\(error)", finality: finality))
            }
        }
        let settings = CompareDocument.Settings(
            validators: options.validators, rateTxPerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds,
            warmupSeconds: options.warmupSeconds, clients: options.clients, confirmations: pow.confirmations,
            powInitialBits: String(format: "%08x", pow.initialBits), targetBlockMillis: pow.targetBlockMillis,
            epochLength: options.hybridEpochLength, buildMode: FinalityBench.buildMode)
        return CompareDocument(command: options.command, machine: machine, settings: settings, rows: rows)
    }

    /// One mode's run and its nodes' hash rate over it: miners hash at a steady rate whatever
    /// the load, so the counters' difference over the whole run, per second, times the window
    /// is the window's hashes (the counter moves once per search, about once per block).
    /// A hybrid run also gives its checkpoint steps, from the nodes' logs.
    func measure(_ mode: ChainMode, pow: PoWParams) async throws -> (BenchReport, Double, CheckpointBreakdown?) {
        let bench = FinalityBench(options: options.finalityOptions(rate: options.ratePerSecond), progress: progress)
        var chain = BenchLocalnet.Chain()
        chain.mode = mode
        chain.pow = pow
        chain.hybridEpochLength = options.hybridEpochLength
        if mode != .pos { chain.waitFinalMillis = Self.powWaitFinalMillis }
        return try await bench.withLocalnet(validators: options.validators, chain: chain) { target in
            let hashesBefore = try await self.hashes(target, bench: bench)
            let windowStartSeconds = Date().timeIntervalSince1970 + self.options.warmupSeconds
            let startNanos = LoadGenerator.nowNanos()
            let report = try await bench.measure(target, rate: self.options.ratePerSecond)
            let hashesAfter = try await self.hashes(target, bench: bench)
            let seconds = Double(LoadGenerator.elapsedNanos(since: startNanos)) / 1e9
            let steps = mode == .hybrid
                ? CheckpointBreakdown.make(steps: target.loggedCheckpointSteps(), epochLength: self.options.hybridEpochLength,
                                           blockIntervalMillis: target.blockIntervalMillis(windowStartSeconds)) : nil
            return (report, seconds > 0 ? max(0, hashesAfter - hashesBefore) / seconds : 0, steps)
        }
    }

    /// All nodes' hashes so far; a node without the counter (PoS) counts 0.
    func hashes(_ target: BenchTarget, bench: FinalityBench) async throws -> Double {
        var total = 0.0
        for endpoint in target.metricsEndpoints {
            let connection = try await HTTPConnection.connect(host: endpoint.host, port: endpoint.port, group: bench.group)
            defer { connection.close() }
            let response = try await connection.request(.GET, "/metrics")
            guard response.status == 200 else {
                throw BenchError("\(endpoint.host):\(endpoint.port)/metrics answered \(response.status)")
            }
            total += PrometheusText.sum(Self.hashesMetric, in: response.text) ?? 0
        }
        return total
    }
}
