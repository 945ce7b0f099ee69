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
                      KeysCommand.self, ShowCommand.self, ResetCommand.self, RollbackCommand.self, TxCommand.self, QueryCommand.self, BenchCommand.self, ChaosCommand.self, PoWCommand.self, SignerCommand.self]
    )

    /// `ratify --version` prints the git commit beside the version. It is answered here, before
    /// parsing, because finding the commit runs `git`, which no other command should wait for.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            print(BuildInfo.current)
            return
        }
        if let problem = ReportFlagMigration.problem(in: arguments) {
            StandardError.write(problem)
            Self.exit(withError: ExitCode.failure)
        }
        await main(nil)
    }
}
