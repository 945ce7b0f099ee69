import ArgumentParser

struct QueryStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The node's chain id, latest height and validator.")

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.status)
    }
}
