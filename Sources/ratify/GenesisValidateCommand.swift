import ArgumentParser
import RatifyNode

/// `ratify genesis validate FILE`: one summary line, or the one-line error and exit code 1.
struct GenesisValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a genesis file and print its chain id, mode, validators, total stake and hash."
    )

    @Argument(help: "The genesis file, e.g. Genesis/localnet.json.")
    var file: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        do {
            let genesis = try GenesisFile.load(file)
            ResultOutput.print(json: json, GenesisFile.summaryJSON(genesis), text: GenesisFile.summary(genesis))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
