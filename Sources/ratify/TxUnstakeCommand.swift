import ArgumentParser

struct TxUnstakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unstake", abstract: "Start unbonding tokens from a validator; they return after the unbonding period.")

    @Option(help: "The validator's consensus public key (64 hex digits) or a key name in the keyring.")
    var validator: String

    @Option(help: "Tokens to unbond (a positive integer).")
    var amount: String

    @OptionGroup var flags: TransactionFlags

    func run() async throws {
        try await flags.send(.unstake(validator: validator, amount: amount))
    }
}
