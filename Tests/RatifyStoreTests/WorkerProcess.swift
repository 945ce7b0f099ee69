import Foundation

/// RatifyStoreCrashWorker running as a child process, its stdout and stderr sent to files so
/// the test can poll them without ever blocking on a pipe.
final class WorkerProcess {
    let process = Process()
    let outputPath: String
    let errorPath: String

    /// The worker is built into the same products directory as the test binary.
    static func executableURL() -> URL? {
        var candidates: [URL] = []
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(testBinary.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let url = directory.appendingPathComponent("RatifyStoreCrashWorker")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    init(arguments: [String], logPrefix: String) throws {
        guard let url = Self.executableURL() else {
            throw WorkerError("RatifyStoreCrashWorker was not found next to the test binary; run `swift build` first")
        }
        outputPath = logPrefix + ".out"
        errorPath = logPrefix + ".err"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              FileManager.default.createFile(atPath: errorPath, contents: nil),
              let output = FileHandle(forWritingAtPath: outputPath),
              let errors = FileHandle(forWritingAtPath: errorPath) else {
            throw WorkerError("cannot create the worker's log files at \(logPrefix)")
        }
        process.executableURL = url
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    var outputLines: [String] {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    var errorText: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Polls stdout every 2 ms until a line starts with `prefix`, for at most `timeoutMillis`.
    func waitForLine(startingWith prefix: String, timeoutMillis: Int) -> Bool {
        for _ in 0..<(timeoutMillis / 2) {
            if outputLines.contains(where: { $0.hasPrefix(prefix) }) { return true }
            if !process.isRunning { return outputLines.contains(where: { $0.hasPrefix(prefix) }) }
            usleep(2_000)
        }
        return false
    }

    func killAndWait() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct WorkerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
