import ArgumentParser

struct QueryTxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tx", abstract: "Where a final transaction is and how it went.")

    @Argument(help: "The transaction hash (64 hex digits).")
    var hash: String

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.transaction(hash: hash))
    }
}
