import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

/// The options every `ratify query` command takes.
struct QueryFlags: ParsableArguments {
    @Option(help: "The node's RPC: http://HOST:PORT, or https://HOST[:PORT] for a TLS proxy in front of it.")
    var node = NodeURL.defaultText

    @OptionGroup var tls: TLSOptions

    @Option(name: .customLong("keyring"), help: "Keyring directory for key names (default: ~/.ratify/keyring).")
    var keyringDirectory: String?

    @Flag(help: "Print the node's JSON answer instead of a table.")
    var json = false

    /// Runs the query and prints it; on failure the one-line error on stderr and exit status 1.
    func run(_ kind: QueryRequest.Kind) async throws {
        let answer: QueryAnswer
        do {
            answer = try await QueryRequest(kind: kind, node: node, caFile: tls.caFile, keyringDirectory: keyringDirectory).run()
        } catch {
            throw StandardError.fail(error)
        }
        print(json ? JSONWriter.pretty(answer.json) : answer.text)
    }
}
