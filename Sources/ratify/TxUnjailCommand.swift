import ArgumentParser

struct TxUnjailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unjail", abstract: "Return your downtime-jailed validator to the set after its jail period.")

    @Option(help: "The validator's consensus public key (64 hex digits) or a key name in the keyring.")
    var validator: String

    @OptionGroup var flags: TransactionFlags

    func run() async throws {
        try await flags.send(.unjail(validator: validator))
    }
}
