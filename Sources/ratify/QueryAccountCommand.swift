import ArgumentParser

struct QueryAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "An account's balance, nonce, delegations and unbonding entries.")

    @Argument(help: "An address (40 hex digits), a public key (64 hex digits) or a key name in the keyring.")
    var address: String

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.account(address))
    }
}
