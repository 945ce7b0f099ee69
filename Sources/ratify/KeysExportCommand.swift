import ArgumentParser
import RatifyCore
import RatifyNode

struct KeysExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print a key's secret seed (hex), only with --unsafe-show-secret.")

    @Argument(help: "The key's name.")
    var name: String

    @OptionGroup var keyring: KeyringOptions

    @Flag(name: .customLong("unsafe-show-secret"), help: "Yes, print the secret seed: whoever sees it controls the key.")
    var unsafeShowSecret = false

    @Flag(help: "Print {\"name\", \"seed_hex\"} as JSON.")
    var json = false

    func run() throws {
        do {
            let seedHex = try keyring.keyring.exportSeed(name, confirmed: unsafeShowSecret)
            ResultOutput.print(json: json, .object([JSONValue.Member("name", .string(name)), JSONValue.Member("seed_hex", .string(seedHex))]),
                               text: seedHex)
        } catch {
            throw StandardError.fail(error)
        }
    }
}
