import ArgumentParser

struct QueryBlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "A block's header and transactions (default: the latest).")

    @Option(help: "The height (default: the latest).")
    var height: String?

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.block(height: height))
    }
}
