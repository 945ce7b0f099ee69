import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys in the keyring.")

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let entries: [Result<KeyringEntry, KeyringError>]
        do { entries = try keyring.keyring.list() } catch { throw StandardError.fail(error) }
        if json {
            print(JSONWriter.pretty(.array(entries.compactMap { try? $0.get().json })))
            return
        }
        guard !entries.isEmpty else {
            print("no keys in \(keyring.keyring.directory); add one with `ratify keys add NAME`")
            return
        }
        print(TextTable.render(headers: ["name", "address", "pub_key", "storage"], rows: entries.map { entry in
            switch entry {
            case .success(let entry): [entry.name, entry.address.hex, entry.publicKey.hex, entry.storage]
            case .failure(let error): ["?", "unreadable: \(error)", "", ""]
            }
        }))
        if entries.contains(where: { (try? $0.get())?.encrypted == false }) {
            print("\nPLAINTEXT keys can be read by anyone with access to the files; `ratify keys migrate` encrypts them.")
        }
    }
}
