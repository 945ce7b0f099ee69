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

    @Option(help: "The node's RPC: http://HOST:PORT, or https://HOST[:PORT] for a TLS proxy in front of it.")
    var node = NodeURL.defaultText

    @OptionGroup var tls: TLSOptions

    @Option(help: "Fee in tokens (default: the chain's min_fee, as the node reports it).")
    var fee: String?

    @Option(help: "The sender's nonce (default: the account's next nonce, fetched from the node).")
    var nonce: String?

    @Option(name: .customLong("chain-id"), help: "Sign for this chain id (default: the node's).")
    var chainID: String?

    @Flag(help: "Wait (up to 30 s) until the transaction is final, learned from GET /events; print its height and the finality latency.")
    var wait = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("generate-only"),
          help: "Print the unsigned transaction as JSON (for `ratify tx sign` on an offline machine) instead of signing and sending it; with --chain-id and --nonce no node is asked.")
    var generateOnly = false

    @Flag(help: "Broadcast without asking (required when stdin is not a terminal).")
    var yes = false

    @Flag(name: .customLong("dry-run"),
          help: "Ask the node whether it would admit the signed transaction and whether its payload would succeed; submit nothing.")
    var dryRun = false

    func request(_ kind: TransactionRequest.Kind) -> TransactionRequest {
        TransactionRequest(kind: kind, from: from, keyringDirectory: keyring.directory,
                           keyringBackend: keyring.backend, node: node, caFile: tls.caFile, fee: fee, nonce: nonce,
                           chainID: chainID, waitFinal: wait)
    }

    /// Signs, shows what will be sent and asks (unless `--yes`), then sends and prints the
    /// outcome; `--dry-run` asks the node's verdict instead. On failure the one-line error on stderr and exit status 1.
    func send(_ kind: TransactionRequest.Kind) async throws {
        if generateOnly && dryRun { throw StandardError.fail("--dry-run: a --generate-only transaction is unsigned and cannot be checked; drop one of them") }
        if generateOnly {
            let transaction: Transaction
            do { transaction = try await request(kind).generate() } catch { throw StandardError.fail(error) }
            print(JSONWriter.pretty(OfflineTransaction.json(transaction, signed: false)))
            return
        }
        if dryRun && wait { throw StandardError.fail("--dry-run: submits nothing, so there is nothing to --wait for; drop one of them") }
        let transaction: Transaction
        do { transaction = try await request(kind).signed() } catch { throw StandardError.fail(error) }
        if dryRun {
            let outcome: DryRunOutcome
            do { outcome = try await TransactionRequest.dryRun(transaction, node: node, caFile: tls.caFile) } catch { throw BroadcastConfirmation.dryRunFailure(error) }
            try BroadcastConfirmation.report(outcome, json: json)
            return
        }
        try BroadcastConfirmation.confirm(transaction, keyName: from, node: node, yes: yes)
        let outcome: SubmitOutcome
        do { outcome = try await TransactionRequest.submit(transaction, node: node, caFile: tls.caFile, waitFinal: wait) } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(outcome.json) : outcome.text)
    }
}
