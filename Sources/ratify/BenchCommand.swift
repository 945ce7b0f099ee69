import ArgumentParser

/// `ratify bench`: measurements of a running validator set.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a validator set: finality latency and throughput; PoS against PoW.",
        subcommands: [BenchFinalityCommand.self, BenchCompareCommand.self, BenchSignerCommand.self])
}
