import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a key's address and public key (never its secret; no passphrase needed).")

    @Argument(help: "The key's name.")
    var name: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    static func text(_ entry: KeyringEntry) -> String {
        TextTable.keyValue([("name", entry.name), ("address", entry.address.hex), ("pub_key", entry.publicKey.hex),
                            ("storage", entry.storage)])
    }

    func run() throws {
        let entry: KeyringEntry
        do { entry = try keyring.keyring.show(name) } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(entry.json) : Self.text(entry))
    }
}
