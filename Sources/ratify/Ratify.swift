import ArgumentParser
import RatifyCore

@main
struct Ratify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratify",
        abstract: "A proof-of-stake validator node and BFT consensus engine.",
        version: RatifyVersion.current,
        subcommands: [StartCommand.self, InitCommand.self, LocalnetCommand.self, TestnetCommand.self, GenesisCommand.self,
                      ProposersCommand.self, SimCommand.self, StoreCommand.self, CheckCommand.self,
                      KeysCommand.self, ShowCommand.self, ResetCommand.self, RollbackCommand.self, TxCommand.self, QueryCommand.self, BenchCommand.self, ChaosCommand.self, PoWCommand.self, SignerCommand.self]
    )
}
