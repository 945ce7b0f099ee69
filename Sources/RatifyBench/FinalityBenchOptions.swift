import RatifyNode

/// What `ratify bench finality` was asked to do (the CLI's options, checked).
public struct FinalityBenchOptions: Sendable {
    /// How the load generator learns that a transaction is final (`--confirm`).
    public enum Confirmation: String, Sendable, CaseIterable {
        /// Plain `POST /tx` (answered on admission) and one `GET /events?types=tx` stream per node.
        case events
        /// `POST /tx?wait=final`, one request held open per transaction (nodes without `/events`).
        case wait
    }

    public var validators = 4
    public var ratePerSecond = 1_000.0
    public var durationSeconds = 30.0
    public var warmupSeconds = 5.0
    /// Concurrent senders: each its own funded account and its own keep-alive connection,
    /// one request in flight at a time; the most transactions that can be in flight.
    public var clients = 256
    /// RPC addresses of running nodes (`http://127.0.0.1:26657`); empty: start a localnet.
    public var attach: [String] = []
    /// With `attach`: the homes whose validator keys fund the load's accounts.
    public var homes = "Validators"
    /// The `ratify` binary the localnet runs.
    public var binary: String
    public var saturate = false
    /// Steps `--saturate` adds between the last sustainable and the first unsustainable rate
    /// (`--saturate-refine`, `SaturationLadder`).
    public var saturateRefinements = 2
    public var confirmation = Confirmation.events
    /// With `events`: gather the sends due within this many milliseconds into one `POST /txs`
    /// per node (`--batch-window-ms`); 0, the default, sends each as its own `POST /tx`.
    public var batchWindowMillis = 0.0
    public var p99BoundMillis = 100.0
    /// Validator counts to sweep over; empty for a single run.
    public var sweep: [Int] = []
    /// The localnet's validators sign through `ratify signer start` processes (loopback TCP).
    public var remoteSigners = false
    /// The localnet's `[storage] retain_blocks` (`--retain-blocks`); nil keeps the node default.
    public var retainBlocks: UInt64?
    /// The localnet's genesis `timeout_commit_ms` (`--timeout-commit-ms`): how long a height
    /// waits after its decision. 0, the default, starts the next height at once.
    public var timeoutCommitMillis: UInt64 = 0
    /// The command line, recorded in the report.
    public var command: String

    public init(binary: String, command: String) {
        self.binary = binary
        self.command = command
    }

    /// The first problem with the options, as a one-line message naming the option.
    public var problem: String? {
        if !(1...100).contains(validators) { return "--validators must be between 1 and 100, got \(validators)" }
        if !(ratePerSecond > 0 && ratePerSecond <= 1_000_000) { return "--rate must be between 1 and 1000000 tx/s, got \(ratePerSecond)" }
        if !(durationSeconds > 0) { return "--duration must be positive, got \(durationSeconds)" }
        if !(warmupSeconds >= 0) { return "--warmup must be zero or positive, got \(warmupSeconds)" }
        if !(1...10_000).contains(clients) { return "--clients must be between 1 and 10000, got \(clients)" }
        if !(p99BoundMillis > 0) { return "--p99-bound-ms must be positive, got \(p99BoundMillis)" }
        if let bad = sweep.first(where: { !(1...100).contains($0) }) { return "--sweep: validator counts must be between 1 and 100, got \(bad)" }
        if !sweep.isEmpty && !attach.isEmpty { return "--sweep starts its own localnets; it cannot be combined with --attach" }
        if let retainBlocks, retainBlocks != 0 && retainBlocks < StorageConfig.retainBlocksMin {
            return "--retain-blocks: expected 0 (keep every block) or at least \(StorageConfig.retainBlocksMin), got \(retainBlocks)"
        }
        if retainBlocks != nil && !attach.isEmpty { return "--retain-blocks configures the benchmark's own localnet; set [storage] retain_blocks on attached nodes instead" }
        if timeoutCommitMillis > 60_000 { return "--timeout-commit-ms must be at most 60000, got \(timeoutCommitMillis)" }
        if timeoutCommitMillis != 0 && !attach.isEmpty {
            return "--timeout-commit-ms configures the benchmark's own localnet; attached nodes keep their genesis timeout_commit_ms"
        }
        if !sweep.isEmpty && saturate { return "--sweep and --saturate are separate runs; choose one" }
        if !(0...8).contains(saturateRefinements) { return "--saturate-refine must be between 0 and 8, got \(saturateRefinements)" }
        if !(0...1_000).contains(batchWindowMillis) { return "--batch-window-ms must be between 0 and 1000, got \(batchWindowMillis)" }
        if batchWindowMillis > 0 && confirmation == .wait {
            return "--batch-window-ms gathers plain submissions into POST /txs; --confirm wait holds one POST /tx?wait=final per transaction"
        }
        for url in attach where FinalityBench.endpoint(url) == nil {
            return "--attach: expected http://HOST:PORT, got \"\(url)\""
        }
        return nil
    }
}
