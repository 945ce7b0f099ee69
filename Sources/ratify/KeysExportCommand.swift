import ArgumentParser
import RatifyNode

struct KeysExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print a key's secret seed (hex), only with --unsafe-show-secret.")

    @Argument(help: "The key's name.")
    var name: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(name: .customLong("unsafe-show-secret"), help: "Yes, print the secret seed: whoever sees it controls the key.")
    var unsafeShowSecret = false

    func run() throws {
        do {
            print(try keyring.keyring.exportSeed(name, confirmed: unsafeShowSecret))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
