import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Generate a new key and store it in the keyring (file mode 0600).")

    @Argument(help: "The key's name: 1-64 characters of A-Z a-z 0-9 . _ -")
    var name: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let entry: KeyringEntry
        do { entry = try keyring.keyring.add(name) } catch { throw StandardError.fail(error) }
        if json {
            print(JSONWriter.pretty(entry.json))
        } else {
            print(KeysShowCommand.text(entry))
            print("\nThe secret is in \(keyring.keyring.directory)/\(name).json (mode 0600): back it up; anyone who reads it controls this account.")
        }
    }
}
