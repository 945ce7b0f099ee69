import ArgumentParser

struct QueryUnbondingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unbonding", abstract: "An account's unbonding entries and when they are released.")

    @Argument(help: "An address (40 hex digits), a public key (64 hex digits) or a key name in the keyring.")
    var address: String

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.unbonding(address))
    }
}
