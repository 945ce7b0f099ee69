import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

/// The options every `ratify tx` command takes. Values stay text: `TransactionRequest` checks
/// them and says what is wrong.
struct TransactionFlags: ParsableArguments {
    @Option(help: "Name of the sending key in the keyring.")
    var from: String

    @OptionGroup var keyring: KeyringOptions

    @Option(help: "The node's RPC.")
    var node = NodeURL.defaultText

    @Option(help: "Fee in tokens (default: the chain's min_fee, as the node reports it).")
    var fee: String?

    @Option(help: "The sender's nonce (default: the account's next nonce, fetched from the node).")
    var nonce: String?

    @Option(name: .customLong("chain-id"), help: "Sign for this chain id (default: the node's).")
    var chainID: String?

    @Flag(help: "Wait until the transaction is final; print its height and the finality latency.")
    var wait = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("generate-only"),
          help: "Print the unsigned transaction as JSON (for `ratify tx sign` on an offline machine) instead of signing and sending it; with --chain-id and --nonce no node is asked.")
    var generateOnly = false

    func request(_ kind: TransactionRequest.Kind) -> TransactionRequest {
        TransactionRequest(kind: kind, from: from, keyringDirectory: keyring.directory,
                           keyringBackend: keyring.backend, node: node, fee: fee, nonce: nonce,
                           chainID: chainID, waitFinal: wait)
    }

    /// Sends and prints the outcome; on failure the one-line error on stderr and exit status 1.
    func send(_ kind: TransactionRequest.Kind) async throws {
        if generateOnly {
            let transaction: Transaction
            do { transaction = try await request(kind).generate() } catch { throw StandardError.fail(error) }
            print(JSONWriter.pretty(OfflineTransaction.json(transaction, signed: false)))
            return
        }
        let outcome: SubmitOutcome
        do { outcome = try await request(kind).send() } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(outcome.json) : outcome.text)
    }
}
