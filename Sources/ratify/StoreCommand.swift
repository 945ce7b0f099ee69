import ArgumentParser
import Foundation
import RatifyNode
import RatifyCore
import RatifyOps
import RatifyStore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect a node's data directory.",
        subcommands: [StoreCheckCommand.self, StoreSnapshotsCommand.self, StoreCopySignerCommand.self, StoreTruncateWALCommand.self,
                      StoreWalkCommand.self])
}

/// `ratify store snapshots --home DIR`: the state snapshots a node serves (docs/STORAGE.md).
struct StoreSnapshotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List the state snapshots in a node's data/snapshots, newest first, as peers see them.",
        discussion: "Reads only the snapshot files, so it also works while the node runs. `ratify store check` reads every chunk against its manifest.")

    @Option(name: .long, help: "The node's home directory.")
    var home: String

    @Flag(help: "Print JSON: each snapshot as GET /snapshots shows it.")
    var json = false

    func run() throws {
        let snapshots = SnapshotStore(dataDirectory: NodeHome(home).dataDirectory).list()
        if json {
            ResultOutput.printJSON(.array(snapshots.map(\.json)))
            return
        }
        guard !snapshots.isEmpty else {
            print("\(home): no snapshots ([storage] snapshot_interval in config.toml; docs/STORAGE.md)")
            return
        }
        print(TextTable.render(headers: ["height", "chunks", "state_entries", "hash", "app_hash"], rows: snapshots.map {
            [String($0.height), String($0.chunkHashes.count), String($0.stateEntries), $0.hash.hex, $0.appHash.hex]
        }))
    }
}

struct StoreCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a stopped node's store: every page and record, block links, commits, validator sets and the app hash.",
        discussion: "First reads every record of data/data.mdb in a child process, so damage that would crash or hang liblmdb is reported as one line instead. Exits 0 when the store is consistent, 1 with one line per problem otherwise.")

    @Option(name: .long, help: "The node's home directory.")
    var home: String

    @Flag(help: "Print the result as JSON: latest height, consistent, and the problems found.")
    var json = false

    func run() throws {
        let report: StoreCheck.Report
        do {
            try NodeHome(home).verifyStoreInChild(executable: OwnExecutable.path, arguments: StoreWalkCommand.arguments(dataDirectory: NodeHome(home).dataDirectory))
            report = try StoreCheck.run(home: NodeHome(home))
        } catch {
            throw StandardError.fail(error)
        }
        if json { ResultOutput.printJSON(report.json(home: home)) }
        guard report.problems.isEmpty else {
            if !json { for problem in report.problems { StandardError.write("\(home): \(problem)") } }
            throw StandardError.fail("\(home): \(report.problems.count) problem(s) found; \(NodeHome.damagedStoreAdvice)")
        }
        if !json { print("\(home): \(report.checkedText): links, commits, validator sets and app hash are consistent") }
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

/// Hidden: the child process of `store check`, `start` and `store copy-signer`. Reads every
/// record of a data directory (or, with `--signer`, only the signer table) and prints one line
/// per table, then `ok ...`, `damaged REASON` or `error LINE`.
struct StoreWalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walk",
        abstract: "Read every record of a data directory (the child process of `store check`, `start` and `store copy-signer`).",
        shouldDisplay: false)

    @Option(name: .long, help: "The data directory (HOME/data).")
    var data: String

    @Flag(name: .long, help: "Read and print only the signer table's records.")
    var signer = false

    static func arguments(dataDirectory: String, signer: Bool = false) -> [String] {
        ["store", "walk", "--data", dataDirectory] + (signer ? ["--signer"] : [])
    }

    func run() throws {
        let status = NodeHome.storeWalkChildMain(dataDirectory: data, signerOnly: signer)
        guard status == 0 else { throw ExitCode(status) }
    }
}

struct StoreCopySignerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-signer",
        abstract: "Carry the signer state from a damaged data directory into a home's store.",
        discussion: """
            After a damaged store is moved aside and data/ is restored from a backup or left to \
            re-sync, the new store's signer state is older or empty: the validator could sign a \
            second vote for a round it already voted in. --from reads the signer table of the \
            moved directory (in a child process, so damage elsewhere in it cannot crash this one) \
            and writes it into HOME/data (creating it if needed) where it is later than what is \
            there. When that table cannot be read, --floor-height H makes the store refuse to \
            sign anything at or below height H instead: use the chain's latest finalized height \
            plus one. Run it on the stopped node, before `ratify start`.
            """)

    @Option(name: .long, help: "The damaged data directory that was moved aside (the old HOME/data).")
    var from: String?

    @Option(name: .long, help: "Refuse to sign at or below this height (when the old signer state is unreadable).")
    var floorHeight: UInt64?

    @Option(name: .long, help: "The node's home directory, whose data/ receives the signer state.")
    var home: String

    func validate() throws {
        guard from != nil || floorHeight != nil else { throw ValidationError("give --from DIR, --floor-height H, or both") }
    }

    func run() throws {
        var lines: [String] = []
        do {
            // The receiving store may be a restored backup: walk it first, as `start` would.
            try NodeHome(home).verifyStoreInChild(
                executable: OwnExecutable.path, arguments: StoreWalkCommand.arguments(dataDirectory: NodeHome(home).dataDirectory),
                unlessClosedCleanly: true)
            if let from {
                lines += try NodeHome(home).adoptSignerState(
                    from: from, executable: OwnExecutable.path, arguments: StoreWalkCommand.arguments(dataDirectory: from, signer: true))
            }
            if let floorHeight { lines.append(try NodeHome(home).raiseSignerFloor(height: floorHeight)) }
        } catch {
            throw StandardError.fail(error)
        }
        for line in lines { print("\(home): \(line)") }
    }
}
