import ArgumentParser
import RatifyNode
import RatifyOps

/// `ratify rollback` (CometBFT's `rollback`).
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo the state of a stopped node's latest height; the node re-executes that block when it starts.",
        discussion: """
            For a node whose state went wrong at its last height (a bug fixed in a new binary, say). \
            The block and its commit stay, and so does the signer state; the state before it is \
            recomputed by replaying the chain from genesis and checked against the stored app hash \
            before anything changes. Proof-of-stake chains only. Refused while the node runs.
            """)

    @Option(help: "The node's home directory.")
    var home: String

    @Flag(help: "Print the result as JSON: the height rolled back and its block hash.")
    var json = false

    func run() throws {
        do {
            let home = NodeHome(home)
            let summary = try NodeRollback.run(home: home)
            ResultOutput.print(json: json, NodeRollback.json(home: home, summary), text: NodeRollback.text(home: home, summary))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
