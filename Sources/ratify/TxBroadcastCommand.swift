import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct TxBroadcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast", abstract: "Submit a transaction signed with `ratify tx sign`, after confirmation (--yes to skip).")

    @Argument(help: "The signed transaction file.")
    var file: String

    @Option(help: "The node's RPC: http://HOST:PORT, or https://HOST[:PORT] for a TLS proxy in front of it.")
    var node = NodeURL.defaultText

    @OptionGroup var tls: TLSOptions

    @Flag(help: "Wait (up to 30 s) until the transaction is final, learned from GET /events; print its height and the finality latency.")
    var wait = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Broadcast without asking (required when stdin is not a terminal).")
    var yes = false

    @Flag(name: .customLong("dry-run"),
          help: "Ask the node whether it would admit the transaction and whether its payload would succeed; submit nothing.")
    var dryRun = false

    func run() async throws {
        if dryRun && wait { throw StandardError.fail("--dry-run: submits nothing, so there is nothing to --wait for; drop one of them") }
        let transaction: Transaction
        do { transaction = try TransactionRequest.signed(file: file) } catch { throw StandardError.fail(error) }
        if dryRun {
            let outcome: DryRunOutcome
            do { outcome = try await TransactionRequest.dryRun(transaction, node: node, caFile: tls.caFile) } catch { throw BroadcastConfirmation.dryRunFailure(error) }
            try BroadcastConfirmation.report(outcome, json: json)
            return
        }
        try BroadcastConfirmation.confirm(transaction, keyName: nil, node: node, yes: yes)
        let outcome: SubmitOutcome
        do { outcome = try await TransactionRequest.submit(transaction, node: node, caFile: tls.caFile, waitFinal: wait) } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(outcome.json) : outcome.text)
    }
}
