import ArgumentParser
import RatifyNode

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect a node's data directory.",
        subcommands: [StoreCheckCommand.self])
}

struct StoreCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a stopped node's store: block links, commits, validator sets and the app hash.",
        discussion: "Exits 0 when the store is consistent, 1 with one line per problem otherwise.")

    @Option(name: .long, help: "The node's home directory.")
    var home: String

    func run() throws {
        let report: StoreCheck.Report
        do {
            report = try StoreCheck.run(home: NodeHome(home))
        } catch {
            throw StandardError.fail(error)
        }
        guard report.problems.isEmpty else {
            for problem in report.problems { StandardError.write("\(home): \(problem)") }
            throw StandardError.fail("\(home): \(report.problems.count) problem(s) found; restore the data directory from a backup, or delete it and let the node sync again")
        }
        print("\(home): \(report.latestHeight) blocks checked: links, commits, validator sets and app hash are consistent")
    }
}
