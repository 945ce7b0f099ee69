import Foundation

/// Renders a report's JSON to PNG with Tools/plot-finality.sh (matplotlib in a virtualenv the
/// script makes on first use). The plotting is Python's; this only finds and runs the script.
/// `prepare` runs before a benchmark starts, so a missing script, python or matplotlib (or an
/// unreachable PyPI) fails in seconds rather than after the whole run.
public struct PlotRunner: Sendable {
    /// Tools/plot-finality.sh in the repository checkout this binary runs from.
    public let script: String

    /// Finds the script (from the current directory, or from a binary under `.build/<triple>/<config>/`)
    /// and has it install or check its prerequisites.
    public static func prepare(binary: String = CommandLine.arguments[0], currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> PlotRunner {
        let candidates = [URL(fileURLWithPath: currentDirectory).appendingPathComponent("Tools/plot-finality.sh").path,
                          URL(fileURLWithPath: binary).deletingLastPathComponent()
                              .appendingPathComponent("../../../Tools/plot-finality.sh").standardizedFileURL.path]
        guard let script = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("--plot: Tools/plot-finality.sh not found (looked in \(candidates.joined(separator: " and "))); run from the repository checkout, or drop --plot and plot the --json-file later")
        }
        let runner = PlotRunner(script: script)
        try runner.runScript(["--prepare"], failure: "cannot plot: its prerequisites are missing (above); nothing was run")
        return runner
    }

    public func plot(json: String, png: String) throws {
        try runScript([json, png], failure: "exited with an error; see its output above")
    }

    private func runScript(_ arguments: [String], failure: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script] + arguments
        // Standard output is the report's (JSON under --json); whatever the script says goes to standard error.
        process.standardOutput = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("--plot: \(script) \(failure)")
        }
    }
}
