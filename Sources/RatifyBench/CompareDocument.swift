import Foundation

/// What `ratify bench compare --json` writes: one row per chain mode, measured under the same
/// open-loop load, or the reason it was not. `schema` names this layout and changes whenever a
/// field changes meaning (docs/PERFORMANCE.md, "PoS vs PoW vs hybrid").
public struct CompareDocument: Sendable, Codable, Equatable {
    public static let schemaName = "ratify.bench.compare/v1"

    /// The load and the chains, the same for every mode.
    public struct Settings: Sendable, Codable, Equatable {
        public var validators: Int
        public var rateTxPerSecond: Double
        public var durationSeconds: Double
        public var warmupSeconds: Double
        public var clients: Int
        /// PoW k; hybrid chains mine with the same difficulty.
        public var confirmations: UInt64
        public var powInitialBits: String
        public var targetBlockMillis: UInt64
        /// Hybrid: blocks per checkpoint epoch.
        public var epochLength: UInt64
        public var buildMode: String

        enum CodingKeys: String, CodingKey {
            case validators, rateTxPerSecond = "rate_tx_per_s", durationSeconds = "duration_s", warmupSeconds = "warmup_s"
            case clients, confirmations, powInitialBits = "pow_initial_bits", targetBlockMillis = "target_block_ms"
            case epochLength = "epoch_length", buildMode = "build_mode"
        }
    }

    public var schema: String
    public var command: String
    public var machine: MachineInfo
    public var settings: Settings
    public var rows: [CompareRow]

    public init(command: String, machine: MachineInfo, settings: Settings, rows: [CompareRow]) {
        schema = Self.schemaName
        self.command = command
        self.machine = machine
        self.settings = settings
        self.rows = rows
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> CompareDocument {
        try JSONDecoder().decode(CompareDocument.self, from: data)
    }
}

/// One mode's line of the comparison. Every figure is over the measured window (after the
/// warm-up); the optional ones are nil when the mode was not measured or nothing was final.
public struct CompareRow: Sendable, Codable, Equatable {
    /// `measured`, or `failed` (the run broke: `reason` says how; the other modes still run).
    public enum Status: String, Sendable, Codable {
        case measured
        case failed
    }

    public var mode: String
    public var status: Status
    public var reason: String?
    /// What "final" means in this mode: `2/3+ precommits`, `6 confirmations`, `checkpoint finalized`.
    public var finality: String
    /// Submit to final as the client saw it (`POST /tx?wait=final`), in milliseconds.
    public var finalityMillis: LatencySummary?
    public var offered: Int?
    public var finalized: Int?
    public var offeredPerSecond: Double?
    public var finalizedPerSecond: Double?
    /// CPU time of all node processes in the window.
    public var nodeCPUSeconds: Double?
    public var cpuSecondsPerFinalizedTx: Double?
    /// All nodes' `ratify_pow_hashes_total` rate over the run (0 on PoS), and that rate over
    /// the window divided by the transactions finalized in it.
    public var hashesPerSecond: Double?
    public var hashesPerFinalizedTx: Double?
    /// Hybrid: where checkpoint finality's time went, step by step.
    public var checkpointSteps: CheckpointBreakdown?

    public init(mode: String, status: Status, reason: String? = nil, finality: String) {
        self.mode = mode
        self.status = status
        self.reason = reason
        self.finality = finality
    }

    /// A measured mode's row from its run and the hash rate its nodes reported.
    public static func measured(mode: String, finality: String, report: BenchReport, hashesPerSecond: Double) -> CompareRow {
        var row = CompareRow(mode: mode, status: .measured, finality: finality)
        let throughput = report.throughput
        row.finalityMillis = report.latencyMillis.submitToFinal
        row.offered = throughput.offered
        row.finalized = throughput.finalized
        row.offeredPerSecond = throughput.offeredPerSecond
        row.finalizedPerSecond = throughput.finalizedPerSecond
        let cpu = report.nodes.map(\.cpuSeconds).reduce(0, +)
        row.nodeCPUSeconds = cpu
        row.hashesPerSecond = hashesPerSecond
        if throughput.finalized > 0 {
            row.cpuSecondsPerFinalizedTx = cpu / Double(throughput.finalized)
            row.hashesPerFinalizedTx = hashesPerSecond * report.windowSeconds / Double(throughput.finalized)
        }
        if throughput.finalized < throughput.offered {
            let reasons = throughput.failureReasons.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) (\($0.value))" }
            row.reason = "\(throughput.offered - throughput.finalized) of \(throughput.offered) not final: \(reasons.joined(separator: ", "))"
        }
        return row
    }

    enum CodingKeys: String, CodingKey {
        case mode, status, reason, finality, finalityMillis = "finality_ms", offered, finalized
        case offeredPerSecond = "offered_per_s", finalizedPerSecond = "finalized_per_s", nodeCPUSeconds = "node_cpu_s"
        case cpuSecondsPerFinalizedTx = "cpu_s_per_finalized_tx", hashesPerSecond = "hashes_per_s"
        case hashesPerFinalizedTx = "hashes_per_finalized_tx", checkpointSteps = "checkpoint_steps"
    }
}

/// The comparison as text: one table, a row per mode, and the notes of rows that need one.
public enum CompareTable {
    static let header = ["mode", "finality", "p50 ms", "p90 ms", "p99 ms", "max ms", "offered/s", "final/s", "CPU s/tx", "hashes/tx"]

    public static func rows(_ document: CompareDocument) -> [[String]] {
        document.rows.map { row in
            guard row.status == .measured, let latency = row.finalityMillis else {
                return [row.mode, "\(row.status.rawValue): \(row.reason ?? "no reason given")"]
            }
            func figure(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
            return [row.mode, row.finality, String(format: "%.1f", latency.p50), String(format: "%.1f", latency.p90),
                    String(format: "%.1f", latency.p99), String(format: "%.1f", latency.max), figure(row.offeredPerSecond, "%.1f"),
                    figure(row.finalizedPerSecond, "%.1f"), figure(row.cpuSecondsPerFinalizedTx, "%.4f"),
                    figure(row.hashesPerFinalizedTx, "%.3g")]
        }
    }

    public static func text(_ document: CompareDocument) -> String {
        let rows = rows(document)
        let settings = document.settings
        // Columns sized by the measured rows; a not-available row's text runs past them.
        let measured = [header] + rows.filter { $0.count == header.count }
        let widths = header.indices.map { column in measured.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            guard cells.count == header.count else { return cells.joined(separator: "  ") }
            return cells.enumerated().map { column, cell in
                column < 2 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        var lines = [String(format: "same load for every mode: %.0f tx/s open-loop for %.0f s after %.0f s warm-up, %d nodes, %@ build",
                            settings.rateTxPerSecond, settings.durationSeconds, settings.warmupSeconds, settings.validators,
                            settings.buildMode)]
        lines.append(line(header))
        lines += rows.map(line)
        for row in document.rows where row.status == .measured {
            if let reason = row.reason { lines.append("\(row.mode): \(reason)") }
            if let steps = row.checkpointSteps { lines.append("\(row.mode): \(steps.text)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Reads counters from a node's Prometheus text (`GET /metrics`).
public enum PrometheusText {
    /// The sum of every sample of `name` (any labels); nil when the text has none.
    public static func sum(_ name: String, in text: String) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            var rest = line.dropFirst(name.count)
            if rest.first == "{", let close = rest.lastIndex(of: "}") { rest = rest[rest.index(after: close)...] }
            // `name value [timestamp]`; a longer name that shares the prefix has no space here.
            guard rest.first == " ", let field = rest.split(separator: " ").first, let value = Double(field) else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
