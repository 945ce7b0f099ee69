import ArgumentParser

struct TxStakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake", abstract: "Bond tokens to a validator; a key's first self-stake with --name registers it as a validator.")

    @Option(help: "The validator's consensus public key (64 hex digits) or a key name in the keyring.")
    var validator: String

    @Option(help: "Tokens to bond (a positive integer).")
    var amount: String

    @Option(help: "Register the validator under this name (first self-stake only).")
    var name: String?

    @OptionGroup var flags: TransactionFlags

    func run() async throws {
        try await flags.send(.stake(validator: validator, amount: amount, name: name))
    }
}
