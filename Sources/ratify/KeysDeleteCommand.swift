import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a key from the keyring, after confirmation (--yes to skip).")

    @Argument(help: "The key's name.")
    var name: String

    @Flag(help: "Delete without asking (required when stdin is not a terminal).")
    var yes = false

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print the deleted key as JSON (as `keys show --json` showed it).")
    var json = false

    func run() throws {
        let keyring = keyring.keyring
        let entry: KeyringEntry
        do {
            entry = try keyring.show(name)
            if !yes {
                let question = "Delete key \"\(name)\" (address \(entry.address.hex))? Without its recovery phrase it is gone for good."
                switch Terminal.confirm(question) {
                case nil: throw StandardError.fail("keys delete \(name): stdin is not a terminal to confirm on; pass --yes to delete without asking")
                case false?: throw StandardError.fail("keys delete \(name): not confirmed; nothing was deleted")
                case true?: break
                }
            }
            try keyring.delete(name)
        } catch let error as KeyringError {
            throw StandardError.fail(error)
        }
        ResultOutput.print(json: json, entry.json, text: "deleted key \"\(name)\"")
    }
}
