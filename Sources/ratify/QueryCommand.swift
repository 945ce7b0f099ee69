import ArgumentParser

/// `ratify query ...`: read the chain through a node's RPC (docs/RPC.md).
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query a node: tables by default, --json for scripts.",
        subcommands: [QueryStatusCommand.self, QueryNetInfoCommand.self, QueryAccountCommand.self, QueryUnbondingCommand.self, QueryValidatorsCommand.self,
                      QueryValidatorCommand.self, QueryBlockCommand.self, QueryTxCommand.self]
    )
}
