import Dispatch
import Foundation
import RatifyCore
import Synchronization

/// Many runs from consecutive seeds, summarized; and the shrinking of a failing run to a
/// short trace.
public enum SimSweep {
    /// What a batch of runs did.
    public struct Summary: Sendable {
        public var runs = 0
        public var heightsDecided = 0
        public var messages: UInt64 = 0
        public var events: UInt64 = 0
        public var simulatedMillis: UInt64 = 0
        public var evidenceReported: UInt64 = 0
        /// `roundsHistogram[k]`: heights decided in round k (the last bucket takes the rest).
        public var roundsHistogram = [UInt64](repeating: 0, count: 64)
        public var violations: [SimRunResult] = []
        public var setupErrors: [String] = []

        public init() {}

        public mutating func add(_ result: SimRunResult) {
            runs += 1
            if let problem = result.setupError {
                setupErrors.append(problem)
                return
            }
            heightsDecided += result.heightsDecided
            messages += result.messages
            events += result.events
            simulatedMillis += result.simulatedMillis
            evidenceReported += result.evidenceReported
            for round in result.decidedRounds {
                roundsHistogram[min(Int(round), roundsHistogram.count - 1)] += 1
            }
            if result.violation != nil { violations.append(result) }
        }

        public mutating func merge(_ other: Summary) {
            runs += other.runs
            heightsDecided += other.heightsDecided
            messages += other.messages
            events += other.events
            simulatedMillis += other.simulatedMillis
            evidenceReported += other.evidenceReported
            for index in roundsHistogram.indices { roundsHistogram[index] += other.roundsHistogram[index] }
            violations += other.violations
            setupErrors += other.setupErrors
        }

        /// Rounds per height (decision round + 1) at quantile `q` in 0...1.
        public func roundsPerHeight(quantile q: Double) -> Int {
            let total = roundsHistogram.reduce(0, +)
            guard total > 0 else { return 0 }
            let target = UInt64((Double(total) * q).rounded(.up))
            var seen: UInt64 = 0
            for (round, count) in roundsHistogram.enumerated() {
                seen += count
                if seen >= max(1, target) { return round + 1 }
            }
            return roundsHistogram.count
        }

        public var line: String {
            "runs \(runs), heights decided \(heightsDecided), rounds/height p50 \(roundsPerHeight(quantile: 0.5)) "
                + "p99 \(roundsPerHeight(quantile: 0.99)), messages \(messages), evidence \(evidenceReported), "
                + "violations \(violations.count)"
        }
    }

    /// Runs `runs` seeds starting at `base.seed` and summarizes them; `progress` is called
    /// after each run with the count done and the summary so far. Stops early after
    /// `stopAfterViolations` violations.
    ///
    /// Runs are independent, so they go in batches across the cores; their results are added
    /// in seed order, so the summary, the progress calls and where a sweep stops are the same
    /// as one run after another (a batch may compute a few runs past the stop, unused).
    public static func run(_ base: SimConfig, runs: Int, stopAfterViolations: Int = .max,
                           progress: (Int, Summary) -> Void = { _, _ in }) -> Summary {
        var summary = Summary()
        var offset = 0
        while offset < runs {
            let batch = runBatch(base, offsets: offset..<min(offset + batchRuns, runs))
            for result in batch {
                offset += 1
                summary.add(result)
                progress(offset, summary)
                if summary.violations.count >= stopAfterViolations { return summary }
            }
        }
        return summary
    }

    /// Cores the sweep runs on, read once.
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Runs per batch: a few per core, so a long run does not leave the other cores idle long.
    static let batchRuns = coreCount * 4

    private static func runBatch(_ base: SimConfig, offsets: Range<Int>) -> [SimRunResult] {
        guard offsets.count > 1, coreCount > 1 else {
            return offsets.map { offset in Simulation.run(seeded(base, offset)) }
        }
        let results = Mutex([SimRunResult?](repeating: nil, count: offsets.count))
        DispatchQueue.concurrentPerform(iterations: offsets.count) { index in
            let result = Simulation.run(seeded(base, offsets.lowerBound + index))
            results.withLock { $0[index] = result }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    private static func seeded(_ base: SimConfig, _ offset: Int) -> SimConfig {
        var config = base
        config.seed = base.seed &+ UInt64(offset)
        return config
    }

    /// Makes a failing run shorter, keeping the same kind of violation: stop at the violating
    /// height, then drop each fault kind that is not needed (each fault draws from its own
    /// random stream, so the others replay unchanged). Returns the smallest failing
    /// configuration found and its run, traced.
    public static func shrink(_ failing: SimRunResult) -> SimRunResult {
        guard let violation = failing.violation else { return failing }
        var best = failing.config
        func fails(_ config: SimConfig) -> Bool {
            Simulation.run(config).violation?.kind == violation.kind
        }
        if violation.height > 0 && Int(violation.height) < best.heights {
            var shorter = best
            shorter.heights = Int(violation.height)
            if fails(shorter) { best = shorter }
        }
        for (_, fault) in SimFaults.named where best.faults.contains(fault) {
            var fewer = best
            fewer.faults.remove(fault)
            if fails(fewer) { best = fewer }
        }
        best.trace = true
        return Simulation.run(best)
    }

    /// The trace lines that show a violation: everything at the violating height (and
    /// network-wide faults), up to the violation, at most `limit` lines (the last ones).
    public static func traceExcerpt(_ result: SimRunResult, limit: Int = 150) -> [SimTraceEntry] {
        guard let violation = result.violation else { return [] }
        let relevant = result.trace.filter { entry in
            entry.height == 0 || entry.height == violation.height || (violation.height == 0)
        }
        return Array(relevant.suffix(limit))
    }

    /// The failure report: violation, replay command, trace excerpt.
    public static func report(_ shrunk: SimRunResult, original: SimRunResult) -> String {
        var lines: [String] = []
        if let violation = original.violation {
            lines.append("VIOLATION (seed \(original.config.seed)): \(violation)")
            lines.append("replay: \(original.config.replayCommand)")
        }
        var shrunkConfig = shrunk.config
        shrunkConfig.trace = original.config.trace
        if let violation = shrunk.violation, shrunkConfig != original.config {
            lines.append("shrunk: \(violation)")
            lines.append("replay shrunk: \(shrunk.config.replayCommand)")
        }
        lines.append("trace (events at the violating height and faults, up to the violation):")
        for entry in traceExcerpt(shrunk.violation == nil ? original : shrunk) {
            lines.append("  \(entry)")
        }
        return lines.joined(separator: "\n")
    }
}
