import Foundation

/// The terminal summary of a benchmark document: one block per run, a table for sweeps and
/// saturation steps.
public enum BenchSummary {
    public static func text(_ document: BenchDocument) -> String {
        var lines: [String] = []
        if document.mode == "single", let run = document.runs.first {
            lines += runText(run)
        } else {
            if let last = document.runs.last { lines += header(last) }
            lines.append("")
            lines.append(tableHeader(document.mode))
            for run in document.runs { lines.append(tableRow(run, mode: document.mode)) }
            if let saturation = document.saturation {
                lines.append("")
                let rate = saturation.sustainableRateTxPerSecond.map { String(format: "%.0f tx/s", $0) } ?? "none of the steps"
                lines.append(String(format: "highest sustainable rate (every offered transaction final, p99 <= %.1f ms): %@",
                                    saturation.p99BoundMillis, rate))
                lines.append("stopped: \(saturation.stoppedBecause)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func header(_ run: BenchReport) -> [String] {
        let m = run.machine, s = run.settings
        let load = m.loadAverageStart.map { String(format: "%.2f", $0) }.joined(separator: " ")
        let loadEnd = m.loadAverageEnd.map { String(format: "%.2f", $0) }.joined(separator: " ")
        var lines = [
            "machine: \(m.cores) cores, \(m.cpuModel), \(m.kernel); load average \(load) at start, \(loadEnd) at end",
            "build: \(s.buildMode); storage: durable (LMDB, fsync per commit)",
        ]
        if let attach = s.attach {
            lines.append("target: attached to \(attach.joined(separator: ", "))")
        } else {
            lines.append("target: own localnet, \(s.validators) validator processes on loopback; timeout_commit \(s.timeoutCommitMillis ?? 0) ms, timeout_propose \(s.timeoutProposeMillis ?? 0) ms, heartbeat \(s.heartbeatMillis ?? 0) ms")
        }
        lines.append(String(format: "load: open loop, %d senders (one connection each), warm-up %.0f s, measured %.0f s", s.clients, s.warmupSeconds, s.durationSeconds))
        lines.append("final: \(s.finalityMethod)")
        return lines
    }

    static func runText(_ run: BenchReport) -> [String] {
        var lines = header(run)
        let t = run.throughput, f = run.latencyMillis.submitToFinal, p = run.latencyMillis.submitToProposal
        let b = run.blocks
        lines.append("")
        lines.append(String(format: "throughput: offered %.0f tx/s (%d), finalized %.0f tx/s (%d); refused %d, timed out %d, failed %d",
                            t.offeredPerSecond, t.offered, t.finalizedPerSecond, t.finalized, t.rejected, t.timedOut, t.failed))
        for (reason, count) in t.failureReasons.sorted(by: { $0.value > $1.value }).prefix(5) {
            lines.append("  \(count) x \(reason)")
        }
        lines.append("finality latency, submit -> final (ms):   \(row(f))")
        lines.append("submit -> in a proposal (ms, header time): \(row(p))")
        lines.append("client send lag (ms):                      \(row(run.latencyMillis.sendLag))")
        lines.append(String(format: "blocks: %d (%.1f/s), %.1f tx/block (max %d), rounds > 0: %d", b.count, b.perSecond,
                            b.transactionsPerBlockMean, b.transactionsPerBlockMax, b.roundsAboveZero))
        if let unserved = b.heightsNotServed {
            lines.append("  (\(unserved) heights of the run were no longer served, pruned by [storage] retain_blocks: the block figures cover the rest)")
        }
        lines.append("block propose -> final (ms):               \(row(b.proposeToFinal))  [\(b.proposeToFinalMethod)]")
        if let steps = b.steps {
            lines.append("height steps, median validator (ms):")
            for (name, summary) in [("round start -> proposal here", steps.propose), ("-> own prevote signed", steps.prevote),
                                    ("-> own precommit signed", steps.precommit), ("-> decided (2/3+ precommits)", steps.commit),
                                    ("-> stored", steps.store), ("  of which signing (durable)", steps.sign)] {
                lines.append("  " + name.padding(toLength: 40, withPad: " ", startingAt: 0) + row(summary))
            }
        }
        for node in run.nodes {
            var line = String(format: "%@: RSS max %.1f MB, CPU %.2f cores", node.name, Double(node.rssMaxBytes) / 1_048_576, node.cpuCoreShare)
            if let micros = node.cpuMicrosPerFinalizedTx { line += String(format: ", %.0f us CPU per final tx", micros) }
            if let checks = node.signatureVerificationsPerTx { line += String(format: ", %.2f signature checks per tx", checks) }
            if let bytes = node.dataFileBytes { line += String(format: ", data.mdb %.1f MB", Double(bytes) / 1_048_576) }
            lines.append(line)
        }
        lines.append(String(format: "client CPU: %.1f s over the run", run.clientCPUSeconds))
        return lines
    }

    static func row(_ s: LatencySummary) -> String {
        String(format: "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)", s.p50, s.p90, s.p99, s.p999, s.max, s.count)
    }

    static func tableHeader(_ mode: String) -> String {
        (mode == "sweep" ? "validators" : "rate tx/s ") + "  offered/s  final/s   p50 ms   p90 ms   p99 ms  p99.9 ms   max ms  blocks/s  tx/block  rounds>0  RSS max MB"
    }

    static func tableRow(_ run: BenchReport, mode: String) -> String {
        let f = run.latencyMillis.submitToFinal
        let key = mode == "sweep" ? String(format: "%10d", run.settings.validators) : String(format: "%10.0f", run.settings.rateTxPerSecond)
        let rss = Double(run.nodes.map(\.rssMaxBytes).max() ?? 0) / 1_048_576
        return key + String(format: "  %9.0f  %7.0f  %7.2f  %7.2f  %7.2f  %8.2f  %7.2f  %8.1f  %8.1f  %8d  %10.1f",
                            run.throughput.offeredPerSecond, run.throughput.finalizedPerSecond, f.p50, f.p90, f.p99, f.p999, f.max,
                            run.blocks.perSecond, run.blocks.transactionsPerBlockMean, run.blocks.roundsAboveZero, rss)
    }
}
