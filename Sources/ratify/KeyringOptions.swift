import ArgumentParser
import RatifyClient
import RatifyNode

/// `--keyring DIR`, shared by `keys`, `tx` and `query`.
struct KeyringOptions: ParsableArguments {
    @Option(name: .customLong("keyring"), help: "Keyring directory (default: ~/.ratify/keyring).")
    var directory: String?

    var keyring: Keyring { Keyring.at(directory) }
}
