import Synchronization

/// Samples the validator processes' RSS and CPU time; keeps each one's largest RSS and the CPU
/// time it used inside the measured window.
final class NodeSampler: Sendable {
    struct Result: Sendable {
        var rssMaxBytes: UInt64 = 0
        var cpuAtWindowStart: Double?
        var cpuAtWindowEnd: Double?
        var windowCPUSeconds: Double { max(0, (cpuAtWindowEnd ?? 0) - (cpuAtWindowStart ?? 0)) }
    }

    let processIdentifiers: [Int32]
    private let state: Mutex<[Result]>

    init(processIdentifiers: [Int32]) {
        self.processIdentifiers = processIdentifiers
        state = Mutex(processIdentifiers.map { _ in Result() })
    }

    func sample(windowStarted: Bool, windowEnded: Bool) {
        let samples = processIdentifiers.map(ProcessSample.read)
        state.withLock { results in
            for (index, sample) in samples.enumerated() {
                guard let sample else { continue }
                results[index].rssMaxBytes = max(results[index].rssMaxBytes, sample.rssBytes)
                if windowStarted, results[index].cpuAtWindowStart == nil { results[index].cpuAtWindowStart = sample.cpuSeconds }
                if windowEnded, results[index].cpuAtWindowEnd == nil { results[index].cpuAtWindowEnd = sample.cpuSeconds }
            }
        }
    }

    func results() -> [Result] { state.withLock { $0 } }
}
