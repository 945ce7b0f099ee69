import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct TxBroadcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast", abstract: "Submit a transaction signed with `ratify tx sign`.")

    @Argument(help: "The signed transaction file.")
    var file: String

    @Option(help: "The node's RPC.")
    var node = NodeURL.defaultText

    @Flag(help: "Wait until the transaction is final; print its height and the finality latency.")
    var wait = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let outcome: SubmitOutcome
        do { outcome = try await TransactionRequest.broadcast(file: file, node: node, waitFinal: wait) } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(outcome.json) : outcome.text)
    }
}
