import ArgumentParser
import RatifyClient
import RatifyNode

/// `--keyring DIR` and `--keyring-backend file|test`, shared by `keys`, `tx` and `init`.
struct KeyringOptions: ParsableArguments {
    @Option(name: .customLong("keyring"), help: "Keyring directory (default: ~/.ratify/keyring).")
    var directory: String?

    @Option(name: .customLong("keyring-backend"),
            help: "file: new keys encrypted with a passphrase (RATIFY_KEYRING_PASSPHRASE or a prompt); test: PLAINTEXT keys, for localnets and CI only.")
    var backend: KeyringBackend = .file

    var keyring: Keyring { Keyring.at(directory, backend: backend) }
}

extension KeyringBackend: ExpressibleByArgument {}
