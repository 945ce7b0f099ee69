import ArgumentParser
import Foundation

/// `--json` and `--json-file FILE`, with one meaning on every command that produces a report
/// (`bench finality`, `bench compare`, `chaos`, `check history`): `--json` prints the report's
/// JSON on standard output instead of its text, `--json-file` writes that JSON to FILE as well.
/// Progress stays on standard error, so standard output under `--json` is one JSON document.
struct ReportOutputOptions: ParsableArguments {
    @Flag(help: "Print the report as JSON on standard output instead of text.")
    var json = false

    @Option(name: .customLong("json-file"), help: "Also write the report as JSON to this file.")
    var jsonFile: String?

    /// Prints the text or the JSON, then writes the JSON file when one is asked for; a file
    /// that cannot be written is the one-line error (exit 1).
    func emit(text: String, json jsonText: String) throws {
        let document = jsonText.hasSuffix("\n") ? jsonText : jsonText + "\n"
        print(json ? document : text, terminator: json ? "" : "\n")
        guard let jsonFile else { return }
        do {
            try Data(document.utf8).write(to: URL(fileURLWithPath: jsonFile))
        } catch {
            throw StandardError.fail("--json-file \(jsonFile): cannot write: \(error.localizedDescription)")
        }
        note("report: \(jsonFile)")
    }

    /// A line about files written: on standard output with the text, on standard error under
    /// `--json` (where standard output holds only the JSON).
    func note(_ line: String) {
        if json { StandardError.write(line) } else { print(line) }
    }
}

/// Before `--json` meant "print JSON" everywhere, `bench finality`, `bench compare`, `chaos` and
/// `check history` took `--json FILE`. Given that old form they stop with a line naming
/// `--json-file` instead of starting a run and failing on FILE as an unexpected argument.
enum ReportFlagMigration {
    /// The commands whose `--json` took a file. None takes a positional argument, so a word
    /// after `--json` that is not an option can only be the old file form.
    static let reportCommands: [[String]] = [["bench", "finality"], ["bench", "compare"], ["chaos"], ["check", "history"]]

    /// The error line for `arguments` (without the program name), or nil.
    static func problem(in arguments: [String]) -> String? {
        guard let command = reportCommands.first(where: { arguments.starts(with: $0) }) else { return nil }
        let options = arguments.dropFirst(command.count)
        for (index, argument) in zip(options.indices, options) {
            if argument == "--" { return nil }
            let file: String?
            if argument.hasPrefix("--json=") {
                file = String(argument.dropFirst("--json=".count))
            } else if argument == "--json", index + 1 < options.endIndex, !options[index + 1].hasPrefix("-") {
                file = options[index + 1]
            } else {
                file = nil
            }
            if let file {
                return "--json takes no file: it prints the report as JSON on standard output; "
                    + "to write \(file) use --json-file \(file)"
            }
        }
        return nil
    }
}
