import ArgumentParser
import RatifyClient

/// `ratify keys ...`: the account keyring (Sources/RatifyClient/Keyring, docs/STAKING.md).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage account keys in a keyring directory (default ~/.ratify/keyring).",
        subcommands: [KeysAddCommand.self, KeysListCommand.self, KeysShowCommand.self, KeysExportCommand.self, KeysImportCommand.self,
                      KeysDeleteCommand.self, KeysRenameCommand.self, KeysMigrateCommand.self]
    )
}
