import ArgumentParser
import RatifyCore
import RatifyNode

@main
struct Ratify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratify",
        abstract: "A proof-of-stake validator node and BFT consensus engine.",
        version: RatifyVersion.current,
        subcommands: [StartCommand.self, InitCommand.self, LocalnetCommand.self, TestnetCommand.self, GenesisCommand.self,
                      ProposersCommand.self, SimCommand.self, StoreCommand.self, CheckCommand.self,
                      KeysCommand.self, ShowCommand.self, ResetCommand.self, RollbackCommand.self, TxCommand.self, QueryCommand.self, BenchCommand.self, ChaosCommand.self, PoWCommand.self]
    )

    /// `ratify --version` prints the git commit beside the version. It is answered here, before
    /// parsing, because finding the commit runs `git`, which no other command should wait for.
    static func main() async {
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            print(BuildInfo.current)
            return
        }
        await main(nil)
    }
}
