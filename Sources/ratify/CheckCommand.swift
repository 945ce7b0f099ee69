import ArgumentParser
import Foundation
import RatifyNode
import RatifyOps

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify what several nodes stored, as a whole.",
        subcommands: [CheckHistoryCommand.self])
}

struct CheckHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Compare stopped nodes' stores: agreement, acknowledged transactions, double signs.",
        discussion: """
            Exits 0 when every node has the same block hash and app hash at every height they share, every \
            acknowledged transaction is in each chain that reaches its height exactly once, and no validator \
            signed two different votes for one height/round/type; 1 otherwise. docs/RELIABILITY.md explains each check.
            """)

    @Option(name: .long, help: "Comma-separated home directories of stopped nodes of one chain.")
    var homes: String

    @Option(name: .long, help: "A file of transactions acknowledged as final: one 'HASH [HEIGHT]' per line.")
    var acknowledged: String?

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let list = homes.split(separator: ",").map(String.init).filter { !$0.isEmpty }
        guard !list.isEmpty else { throw StandardError.fail("--homes: expected at least one home directory") }
        let report: HistoryCheck.Report
        do {
            report = try HistoryCheck.run(homes: list, acknowledgedFile: acknowledged)
        } catch {
            throw StandardError.fail(error)
        }
        try output.emit(text: report.text, json: report.json)
        if !report.isClean { throw ExitCode.failure }
    }
}
