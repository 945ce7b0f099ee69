import ArgumentParser
import RatifyClient
import RatifyCore
import RatifyNode

struct KeysAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Generate a new key and print its 24-word recovery phrase once, or --recover a key from its phrase.")

    @Argument(help: "The key's name: 1-64 characters of A-Z a-z 0-9 . _ -")
    var name: String

    @Flag(help: "Restore the key from its BIP-39 recovery phrase, typed at a prompt or given as the first line of stdin.")
    var recover = false

    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Print JSON (with the recovery phrase of a new key under \"mnemonic\").")
    var json = false

    func run() throws {
        let keyring = keyring.keyring
        let entry: KeyringEntry
        var mnemonic: [String] = []
        do {
            if recover {
                guard let phrase = Terminal.readLineOrPrompt("Recovery phrase (12-24 words): ") else {
                    throw StandardError.fail("keys add --recover: no recovery phrase on stdin")
                }
                entry = try keyring.recover(name, mnemonic: phrase)
            } else {
                (entry, mnemonic) = try keyring.add(name)
            }
        } catch let error as KeyringError {
            throw StandardError.fail(error)
        }
        if json {
            var object = entry.json
            if case .object(var members) = object, !mnemonic.isEmpty {
                members.append(JSONValue.Member("mnemonic", .string(mnemonic.joined(separator: " "))))
                object = .object(members)
            }
            print(JSONWriter.pretty(object))
            return
        }
        print(KeysShowCommand.text(entry))
        if !mnemonic.isEmpty {
            print("""

                Write down this recovery phrase and keep it offline. It is shown only this once, and it \
                is the only way to restore the key if the keyring file or its passphrase is lost:

                \(mnemonic.joined(separator: " "))
                """)
        }
        if !entry.encrypted {
            print("\nWARNING: \(keyring.directory)/\(name).json holds the secret in PLAINTEXT (--keyring-backend test): localnets and CI only.")
        }
    }
}
