import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a key from a seed or a key file such as a node's validator_key.json.")

    @Argument(help: "The name to store it under.")
    var name: String

    @Option(name: .customLong("seed-hex"), help: "The 32-byte Ed25519 seed as 64 hex digits.")
    var seedHex: String?

    @Option(name: .customLong("from-file"), help: "A key file: {\"address\", \"pub_key\", \"priv_key\"} (validator_key.json).")
    var fromFile: String?

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let entry: KeyringEntry
        do { entry = try keyring.keyring.importKey(name, seedHex: seedHex, file: fromFile) } catch { throw StandardError.fail(error) }
        print(json ? JSONWriter.pretty(entry.json) : KeysShowCommand.text(entry))
    }
}
