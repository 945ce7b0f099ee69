import ArgumentParser
import Foundation
import RatifyNode
import RatifyOps

/// `ratify reset` (CometBFT's `unsafe-reset-all`).
struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Delete a stopped node's blocks, ledger state and WAL; keep its config, keys and signer state.",
        discussion: """
            The node starts again from genesis and syncs from its peers. The signer state (the last \
            height, round and step this validator signed) is kept, so it refuses to sign anything at \
            or below that position and cannot double-sign. Refused while the node runs. Asks first \
            unless --yes.
            """)

    @Option(help: "The node's home directory.")
    var home: String

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "Print the result as JSON: blocks deleted and the signer state kept (the question, if asked, goes to standard error).")
    var json = false

    func run() throws {
        if !yes {
            let question = "Delete the blocks, ledger state and WAL in \(home)/data? Config, keys and the signer state are kept. [y/N] "
            if json { FileHandle.standardError.write(Data(question.utf8)) } else { print(question, terminator: "") }
            let answer = readLine()?.lowercased()
            guard answer == "y" || answer == "yes" else {
                throw StandardError.fail("\(home): not reset (not confirmed); answer y, or pass --yes")
            }
        }
        do {
            let home = NodeHome(home)
            let summary = try NodeReset.run(home: home)
            ResultOutput.print(json: json, NodeReset.json(home: home, summary), text: NodeReset.text(home: home, summary))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
