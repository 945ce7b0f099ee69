import Foundation
import RatifyNode
import RatifyOps

/// `ratify start --home HOME` as a child process, its output in a log file the test polls.
final class NodeProcess {
    let home: String
    let logPath: String
    /// A command that runs the rest of its arguments, such as `Tools/netns.sh exec 0`; it must
    /// exec them so that signals to the process reach the node. Empty: run `ratify` directly.
    let launcher: [String]
    private(set) var process = Process()

    /// `swift test` builds every product into the directory that holds the test bundle.
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ratify").path
    }

    init(home: String, launcher: [String]) {
        self.home = home
        self.logPath = home + "/node.log"
        self.launcher = launcher
    }

    convenience init(home: String) { self.init(home: home, launcher: []) }

    /// Starts (or restarts, appending to the same log) the node; `environment` is added to ours.
    func start(environment: [String: String] = [:]) throws {
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw TestFailure("cannot open \(logPath)") }
        log.seekToEndOfFile()
        process = Process()
        let command = launcher + [Self.binary, "start", "--home", home]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The finalized lines logged so far, by height (the last one logged for a height).
    var finalized: [UInt64: FinalizedLine] {
        var lines: [UInt64: FinalizedLine] = [:]
        for line in log.split(separator: "\n") {
            if let parsed = FinalizedLine(line) { lines[parsed.height] = parsed }
        }
        return lines
    }

    var height: UInt64 { finalized.keys.max() ?? 0 }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms for at most `seconds`.
func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
