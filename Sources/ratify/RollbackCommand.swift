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

    func run() throws {
        do {
            let home = NodeHome(home)
            print(NodeRollback.text(home: home, try NodeRollback.run(home: home)))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
