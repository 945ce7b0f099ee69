import ArgumentParser

/// `ratify tx ...`: build, sign and submit transactions (docs/STAKING.md).
struct TxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx",
        abstract: "Build, sign and submit a transaction to a node, after showing it and asking (--yes to skip).",
        subcommands: [TxTransferCommand.self, TxStakeCommand.self, TxUnstakeCommand.self, TxUnjailCommand.self,
                      TxSignCommand.self, TxBroadcastCommand.self]
    )
}
