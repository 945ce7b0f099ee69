import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysRenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename a key (never over an existing one; no passphrase needed).")

    @Argument(help: "The key's current name.")
    var old: String

    @Argument(help: "The new name.")
    var new: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print the renamed key as JSON (as `keys show --json`).")
    var json = false

    func run() throws {
        let entry: KeyringEntry
        do { entry = try keyring.keyring.rename(old, to: new) } catch { throw StandardError.fail(error) }
        ResultOutput.print(json: json, entry.json, text: "renamed key \"\(old)\" to \"\(entry.name)\" (address \(entry.address.hex))")
    }
}
