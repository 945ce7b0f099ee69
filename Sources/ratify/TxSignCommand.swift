import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct TxSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a --generate-only file without a node; prints the signed file for `ratify tx broadcast`.")

    @Argument(help: "The unsigned transaction file.")
    var file: String

    @Option(help: "Name of the signing key in the keyring: must be the file's sender.")
    var from: String

    @Option(name: .customLong("chain-id"), help: "The chain id you mean to sign for: must be the file's.")
    var chainID: String

    @Option(help: "The nonce you mean to sign with: must be the file's.")
    var nonce: String

    @OptionGroup var keyring: KeyringOptions

    func run() throws {
        let transaction: Transaction
        do {
            transaction = try TransactionRequest.sign(file: file, from: from, keyring: keyring.keyring, chainID: chainID, nonce: nonce)
        } catch {
            throw StandardError.fail(error)
        }
        print(JSONWriter.pretty(OfflineTransaction.json(transaction, signed: true)))
    }
}
