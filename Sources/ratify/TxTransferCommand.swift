import ArgumentParser

struct TxTransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transfer", abstract: "Send tokens to an address.")

    @Option(help: "Recipient: an address (40 hex digits) or a key name in the keyring.")
    var to: String

    @Option(help: "Tokens to send (a positive integer).")
    var amount: String

    @OptionGroup var flags: TransactionFlags

    func run() async throws {
        try await flags.send(.transfer(to: to, amount: amount))
    }
}
