import ArgumentParser
import RatifyCore

/// `ratify proposers`: prints the proposer sequence that CometBFT's weighted round-robin gives
/// for a list of named powers, for comparing Ratify with CometBFT (docs/CONSENSUS.md,
/// "Proposer selection"). Parsing and selection live in RatifyCore's `NamedPowerList`.
struct ProposersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposers",
        abstract: "Print the proposer sequence for a set of named voting powers.",
        discussion: """
            Each NAME's UTF-8 bytes, zero-padded to 20, are that validator's address, as in \
            CometBFT's tests. The first line is the proposer of a new set (round 0); each \
            following line is the proposer one round later.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// One name per line.
        case lines
        /// All names on one line, separated by spaces.
        case line
    }

    @Option(help: "Validators as NAME:POWER,NAME:POWER,... (e.g. foo:1000,bar:300,baz:330).")
    var power: String

    @Option(help: "How many proposers to print (1...1000000).")
    var count: Int = 10

    @Option(help: "Output format: lines (one name per line) or line (space-separated).")
    var format: Format = .lines

    @Flag(help: "Print the names as one JSON array instead.")
    var json = false

    func validate() throws {
        guard NamedPowerList.proposerCountRange.contains(count) else {
            throw ValidationError("--count \(count) is outside 1...\(NamedPowerList.proposerCountRange.upperBound)")
        }
        do {
            _ = try NamedPowerList(parsing: power)
        } catch {
            throw ValidationError("--power: \(error)")
        }
    }

    func run() throws {
        let names: [String]
        do {
            names = try NamedPowerList(parsing: power).proposerNames(count: count)
        } catch {
            throw ValidationError("--power: \(error)")
        }
        if json { return ResultOutput.printJSON(.array(names.map { .string($0) })) }
        switch format {
        case .lines:
            for name in names { print(name) }
        case .line:
            print(names.joined(separator: " "))
        }
    }
}
