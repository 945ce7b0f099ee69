/// The nodes a run sends to and the accounts it sends from: a benchmark localnet or
/// attached nodes.
struct BenchTarget: Sendable {
    var endpoints: [LoadGenerator.Endpoint]
    var senders: [BenchSender]
    /// Validators in the set (the localnet's), or nil when attached (the endpoint count is used).
    var validators: Int?
    var processIdentifiers: @Sendable () -> [Int32]
    var loggedBlocks: @Sendable () -> [UInt64: LocalnetLog.LoggedBlock]
    var timing: BenchLocalnet.Timing?
    /// The nodes' Prometheus endpoints (own localnet only).
    var metricsEndpoints: [LoadGenerator.Endpoint] = []
    /// Hybrid chains: the checkpoint steps the nodes logged (own localnet only).
    var loggedCheckpointSteps: @Sendable () -> [CheckpointBreakdown.Key: [Double]] = { [:] }
    /// Proof-of-work chains: the mean block interval from a time (s since 1970) on, from node 0's
    /// new-tip lines (own localnet only).
    var blockIntervalMillis: @Sendable (Double) -> Double? = { _ in nil }
    /// Each node's `data.mdb` size in bytes (own localnet only).
    var dataFileBytes: @Sendable () -> [UInt64?] = { [] }

    func close() {
        for sender in senders { sender.connection?.close() }
    }
}
