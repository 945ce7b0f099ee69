import ArgumentParser

/// `ratify genesis ...`: genesis file tools.
struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Inspect and check genesis files.",
        subcommands: [GenesisValidateCommand.self]
    )
}
