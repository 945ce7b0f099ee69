import ArgumentParser

struct QueryNetInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-info",
                                                    abstract: "The node's p2p listeners and connected peers: direction, address, age, bytes.")

    @OptionGroup var flags: QueryFlags

    func run() async throws {
        try await flags.run(.netInfo)
    }
}
