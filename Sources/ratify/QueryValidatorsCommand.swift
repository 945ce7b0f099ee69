import ArgumentParser

struct QueryValidatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validators", abstract: "The validator set that decides a height (default: the latest).")

    @Option(help: "The height (default: the latest).")
    var height: String?

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.validators(height: height))
    }
}
