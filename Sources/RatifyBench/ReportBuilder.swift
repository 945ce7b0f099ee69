/// Turns what a run recorded into a `BenchReport`. Pure (no clock, no I/O), so the
/// arithmetic of windows, rates and percentiles is tested on its own.
public struct ReportBuilder: Sendable {
    /// The schedule's start on the wall clock (ms since 1970), to place header times.
    public var startWallMillis: Double
    /// The measured window, in nanoseconds from the schedule's start: after the warm-up.
    public var windowStartNanos: UInt64
    public var windowEndNanos: UInt64

    public init(startWallMillis: Double, windowStartNanos: UInt64, windowEndNanos: UInt64) {
        precondition(windowEndNanos > windowStartNanos, "the measured window must not be empty")
        self.startWallMillis = startWallMillis
        self.windowStartNanos = windowStartNanos
        self.windowEndNanos = windowEndNanos
    }

    public var windowSeconds: Double { Double(windowEndNanos - windowStartNanos) / 1e9 }

    func inWindow(_ nanos: UInt64) -> Bool { nanos >= windowStartNanos && nanos < windowEndNanos }

    /// A block's header time in nanoseconds from the schedule's start (negative before it).
    func blockOffsetNanos(_ block: ObservedBlock) -> Double { (Double(block.timeMillis) - startWallMillis) * 1e6 }

    public func throughput(_ outcomes: [TransactionOutcome]) -> BenchReport.Throughput {
        var offered = 0, finalized = 0, rejected = 0, timedOut = 0, failed = 0
        var reasons: [String: Int] = [:]
        for outcome in outcomes where inWindow(outcome.intendedNanos) {
            offered += 1
            switch outcome.result {
            case .final: finalized += 1
            case .rejected(let reason):
                rejected += 1
                reasons[reason, default: 0] += 1
            case .timedOut:
                timedOut += 1
                reasons["admitted, not seen final in time (no tx event within the drain, or 504 from wait=final)", default: 0] += 1
            case .failed(let reason):
                failed += 1
                reasons[reason, default: 0] += 1
            case .unsent:
                failed += 1
                reasons["never sent", default: 0] += 1
            }
        }
        let seconds = windowSeconds
        return BenchReport.Throughput(offered: offered, offeredPerSecond: Double(offered) / seconds, finalized: finalized,
                                      finalizedPerSecond: Double(finalized) / seconds, rejected: rejected, timedOut: timedOut,
                                      failed: failed, failureReasons: reasons)
    }

    public func latencies(_ outcomes: [TransactionOutcome], blocks: [ObservedBlock]) -> BenchReport.Latencies {
        var final = LatencyRecorder(), proposal = LatencyRecorder(), lag = LatencyRecorder()
        let blockTimes = Dictionary(blocks.map { ($0.height, $0.timeMillis) }, uniquingKeysWith: { first, _ in first })
        for outcome in outcomes where inWindow(outcome.intendedNanos) {
            if let millis = outcome.finalityMillis { final.record(millis: millis) }
            if let sent = outcome.sentNanos { lag.record(millis: Double(sent &- min(sent, outcome.intendedNanos)) / 1e6) }
            if case .final(let height) = outcome.result, let time = blockTimes[height] {
                let intendedWallMillis = startWallMillis + Double(outcome.intendedNanos) / 1e6
                proposal.record(millis: Double(time) - intendedWallMillis)
            }
        }
        return BenchReport.Latencies(submitToFinal: final.summary, submitToProposal: proposal.summary, sendLag: lag.summary)
    }

    /// Blocks proposed in the window. Without node logs, a block's propose-to-final is the
    /// first client answer for a transaction in it, minus its header time.
    public func blocks(_ blocks: [ObservedBlock], outcomes: [TransactionOutcome]) -> BenchReport.Blocks {
        var firstAnswer: [UInt64: UInt64] = [:]
        for outcome in outcomes {
            if case .final(let height) = outcome.result, let answered = outcome.answeredNanos {
                firstAnswer[height] = min(firstAnswer[height] ?? .max, answered)
            }
        }
        let measured = blocks.filter { block in
            let offset = blockOffsetNanos(block)
            return offset >= Double(windowStartNanos) && offset < Double(windowEndNanos)
        }
        var recorder = LatencyRecorder()
        var fromLogs = true
        for block in measured {
            if let millis = block.nodeProposeToFinalMillis {
                recorder.record(millis: millis)
            } else if let answered = firstAnswer[block.height] {
                fromLogs = false
                recorder.record(millis: (Double(answered) - blockOffsetNanos(block)) / 1e6)
            }
        }
        let transactions = measured.map(\.transactions)
        let steps = measured.compactMap(\.nodeSteps)
        return BenchReport.Blocks(
            count: measured.count, perSecond: Double(measured.count) / windowSeconds,
            transactionsPerBlockMean: transactions.isEmpty ? 0 : Double(transactions.reduce(0, +)) / Double(transactions.count),
            transactionsPerBlockMax: transactions.max() ?? 0, roundsAboveZero: measured.filter { $0.round > 0 }.count,
            proposeToFinal: recorder.summary,
            proposeToFinalMethod: fromLogs ? "node logs: header time to decision, median node"
                                           : "client: header time to the first final answer for a transaction in the block",
            steps: steps.isEmpty ? nil : BenchReport.Steps(
                propose: LatencySummary(millis: steps.map(\.proposeMillis)), prevote: LatencySummary(millis: steps.map(\.prevoteMillis)),
                precommit: LatencySummary(millis: steps.map(\.precommitMillis)), commit: LatencySummary(millis: steps.map(\.commitMillis)),
                store: LatencySummary(millis: measured.compactMap(\.nodeStoreMillis)), sign: LatencySummary(millis: steps.map(\.signMillis))))
    }

    /// At most `BenchReport.samplesMax` transactions, evenly spaced through the run.
    public func samples(_ outcomes: [TransactionOutcome]) -> [BenchReport.Sample] {
        let stride = max(1, (outcomes.count + BenchReport.samplesMax - 1) / BenchReport.samplesMax)
        return Swift.stride(from: 0, to: outcomes.count, by: stride).map { index in
            let outcome = outcomes[index]
            return BenchReport.Sample(t: (Double(outcome.intendedNanos) - Double(windowStartNanos)) / 1e9,
                                      latencyMillis: outcome.finalityMillis ?? -1)
        }
    }

    public func blockSeries(_ blocks: [ObservedBlock]) -> [BenchReport.BlockSample] {
        blocks.map { block in
            BenchReport.BlockSample(t: (blockOffsetNanos(block) - Double(windowStartNanos)) / 1e9, height: block.height,
                                    transactions: block.transactions, round: block.round,
                                    proposeToFinalMillis: block.nodeProposeToFinalMillis)
        }
    }
}
