import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Encrypt every plaintext key in the keyring with one new passphrase.")

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print the keys encrypted as a JSON array (as `keys list --json`; empty when none was plaintext).")
    var json = false

    func run() throws {
        let migrated: [KeyringEntry]
        do { migrated = try keyring.keyring.migrate() } catch { throw StandardError.fail(error) }
        if json { return ResultOutput.printJSON(.array(migrated.map(\.json))) }
        guard !migrated.isEmpty else {
            print("no plaintext keys in \(keyring.keyring.directory); nothing to do")
            return
        }
        for entry in migrated { print("encrypted key \"\(entry.name)\" (address \(entry.address.hex))") }
    }
}
