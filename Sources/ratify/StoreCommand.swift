import ArgumentParser
import RatifyNode
import RatifyOps

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect a node's data directory.",
        subcommands: [StoreCheckCommand.self, StoreTruncateWALCommand.self])
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

struct StoreTruncateWALCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "truncate-wal",
        abstract: "Fault injection: delete the newest records of a stopped node's consensus WAL.",
        discussion: "Simulates a crash that lost the log's un-synced tail. The node must restart safely from the rest; its signer state is kept, so it cannot sign anything that conflicts with what it signed before.")

    @Option(name: .long, help: "The node's home directory.")
    var home: String

    @Option(name: .long, help: "How many of the newest records to delete.")
    var records: Int

    func run() throws {
        guard records > 0 else { throw StandardError.fail("--records must be positive, got \(records)") }
        let result: WALTruncation.Result
        do {
            result = try WALTruncation.run(home: NodeHome(home), records: records)
        } catch {
            throw StandardError.fail(error)
        }
        print("\(home): deleted the newest \(result.deleted) WAL record(s); \(result.remaining) remain")
    }
}
