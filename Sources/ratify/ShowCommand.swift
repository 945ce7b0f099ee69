import ArgumentParser
import RatifyCore
import RatifyNode
import RatifyOps

/// `ratify show node-id | validator` (CometBFT's `show-node-id` and `show-validator`).
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a node home's identity: its node id or its validator key.",
        subcommands: [ShowNodeIDCommand.self, ShowValidatorCommand.self])
}

struct ShowNodeIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-id",
        abstract: "Print the node id (the address of HOME/config/node_key.json), as peers write it before @host:port.")

    @Option(help: "The node's home directory.")
    var home: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let id: Address
        do { id = try HomeIdentity.nodeID(home: NodeHome(home)) } catch { throw StandardError.fail(error) }
        ResultOutput.print(json: json, HomeIdentity.nodeIDJSON(id), text: id.hex)
    }
}

struct ShowValidatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validator",
        abstract: "Print the validator's address and public key (from HOME/config/validator_key.json; never the secret).")

    @Option(help: "The node's home directory.")
    var home: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let key: PublicKey
        do { key = try HomeIdentity.validatorKey(home: NodeHome(home)) } catch { throw StandardError.fail(error) }
        ResultOutput.print(json: json, HomeIdentity.validatorJSON(key), text: HomeIdentity.validatorText(key))
    }
}
