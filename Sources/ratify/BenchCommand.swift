import ArgumentParser

/// `ratify bench`: measurements of a running validator set.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a validator set: finality latency and throughput.",
        subcommands: [BenchFinalityCommand.self])
}
