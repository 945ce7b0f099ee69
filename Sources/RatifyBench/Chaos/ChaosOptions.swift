/// What `ratify chaos` was asked to do (the CLI's options, checked).
public struct ChaosOptions: Sendable {
    public var validators = 4
    public var durationSeconds = 120.0
    public var seed: UInt64
    public var ratePerSecond = 20.0
    /// Senders (funded accounts), each one request in flight at a time.
    public var clients = 16
    /// Run the validators in network namespaces (Tools/netns.sh) so partitions and link
    /// shaping can be injected; without it those faults are skipped with the reason.
    public var networkNamespaces = false
    public var netnsScript = "Tools/netns.sh"
    /// The first of the nodes' ports (10 per node); nil picks a free range at random.
    public var basePort: UInt16?
    /// After the last heal every node must finalize a new height within this many seconds.
    public var resumeBoundSeconds = 60.0
    /// Keep the nodes' homes after a clean run (a failing run always keeps them).
    public var keepHomes = false
    public var binary: String
    /// The command line, recorded in the report.
    public var command: String

    public init(seed: UInt64, binary: String, command: String) {
        self.seed = seed
        self.binary = binary
        self.command = command
    }

    /// The first problem with the options, as a one-line message naming the option.
    public var problem: String? {
        if !(1...50).contains(validators) { return "--validators must be between 1 and 50, got \(validators)" }
        if !(durationSeconds >= 20) { return "--duration must be at least 20 seconds (warm-up and quiet tail take 15), got \(durationSeconds)" }
        if !(ratePerSecond >= 0 && ratePerSecond <= 10_000) { return "--rate must be between 0 and 10000 tx/s, got \(ratePerSecond)" }
        if !(1...1_000).contains(clients) { return "--clients must be between 1 and 1000, got \(clients)" }
        if !(resumeBoundSeconds > 0) { return "--resume-bound must be positive, got \(resumeBoundSeconds)" }
        if let basePort, Int(basePort) + validators * 10 > 65_535 { return "--base-port \(basePort) leaves no room for \(validators) nodes of 10 ports each" }
        return nil
    }
}
