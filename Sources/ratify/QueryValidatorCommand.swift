import ArgumentParser

struct QueryValidatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validator", abstract: "A registered validator: stake, power, jail and tombstone state.")

    @Argument(help: "A public key (64 hex digits), an address (40) or a key name in the keyring.")
    var validator: String

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.validator(validator))
    }
}
