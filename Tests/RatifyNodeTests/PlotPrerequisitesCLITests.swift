import Foundation
import RatifyTestSupport
import Testing

/// `bench finality --plot` checks what plotting needs before the benchmark starts: a long run
/// (`--duration 600` here) must not end in "cannot plot". Neither test may start a localnet.
@Suite("ratify CLI: bench finality --plot prerequisites")
struct PlotPrerequisitesCLITests {
    static let arguments = ["bench", "finality", "--validators", "1", "--rate", "10", "--duration", "600", "--warmup", "0"]

    @Test("outside a repository checkout (no Tools/plot-finality.sh) it stops before the run with one line")
    func outsideCheckout() throws {
        let directory = try TemporaryDirectory()
        // A binary whose path is not under a checkout's .build, run from a directory without Tools/.
        let binary = directory.path + "/ratify"
        try FileManager.default.createSymbolicLink(atPath: binary, withDestinationPath: BuiltCommand.ratify)
        let png = directory.path + "/plot.png"
        let result = try BuiltCommand.run(binary, Self.arguments + ["--plot", png], in: directory.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("--plot: Tools/plot-finality.sh not found"), "\(result.stderr)")
        #expect(result.stderr.contains("run from the repository checkout"))
        #expect(!result.stderr.contains("starting "), "no node was started: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: png + ".json"), "no report was written")
    }

    @Test("without python3 the script says so and the run never starts")
    func withoutPython() throws {
        let directory = try TemporaryDirectory()
        // A PATH with only what the script itself needs, and a virtualenv that does not exist.
        let tools = directory.path + "/bin"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        for tool in ["bash", "dirname"] {
            try FileManager.default.createSymbolicLink(atPath: tools + "/" + tool, withDestinationPath: "/usr/bin/" + tool)
        }
        let png = directory.path + "/plot.png"
        let result = try BuiltCommand.run(BuiltCommand.ratify, Self.arguments + ["--plot", png], in: directory.path,
                             environment: ["PATH": tools, "RATIFY_PLOT_VENV": directory.path + "/venv"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("plot-finality: python3 not found; install it"), "\(result.stderr)")
        #expect(result.stderr.contains("--plot: ") && result.stderr.contains("nothing was run"), "\(result.stderr)")
        #expect(!result.stderr.contains("starting "), "no node was started: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: png + ".json"))
    }
}
