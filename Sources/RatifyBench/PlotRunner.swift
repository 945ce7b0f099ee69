import Foundation

/// Renders a report's JSON to PNG with Tools/plot-finality.sh (matplotlib in a virtualenv the
/// script makes on first use). The plotting is Python's; this only finds and runs the script.
public enum PlotRunner {
    public static func plot(json: String, png: String) throws {
        let candidates = ["Tools/plot-finality.sh",
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                              .appendingPathComponent("../../../Tools/plot-finality.sh").standardizedFileURL.path]
        guard let script = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("--plot: Tools/plot-finality.sh not found; run from the repository root")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script, json, png]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("--plot: \(script) exited with status \(process.terminationStatus); see its output above")
        }
    }
}
