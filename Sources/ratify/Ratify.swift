import ArgumentParser
import RatifyCore

@main
struct Ratify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratify",
        abstract: "A proof-of-stake validator node and BFT consensus engine.",
        version: RatifyVersion.current,
        subcommands: [TestnetCommand.self, GenesisCommand.self, ProposersCommand.self, SimCommand.self]
    )
}
