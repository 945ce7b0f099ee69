import Foundation

/// `Tools/netns.sh`: validators in network namespaces of their own, as separate hosts would be.
/// Every call waits for the script and returns its exit status and output.
enum NamespaceNetwork {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/netns.sh").path
    /// The addresses `up` gives; the subnet is the script's default.
    static let clientAddress = "10.77.0.2"
    static func validatorAddress(_ index: Int) -> String { "10.77.0.\(10 + index)" }
    /// `netns.sh check`'s status when namespaces cannot be made here.
    static let unsupportedStatus: Int32 = 3

    struct Run: CustomStringConvertible {
        var status: Int32
        var output: String
        var description: String { "exit \(status): \(output)" }
    }

    @discardableResult
    static func run(_ arguments: String...) throws -> Run {
        try run(arguments)
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: bytes, as: UTF8.self))
    }

    /// Whether namespaces can be made here; when not, says why on stderr, once per process, so a
    /// skipped test names its reason.
    static let available: Bool = {
        do {
            let check = try run("check")
            if check.status != 0 {
                FileHandle.standardError.write(Data("network-namespace tests skipped: \(check.output)".utf8))
            }
            return check.status == 0
        } catch {
            FileHandle.standardError.write(Data("network-namespace tests skipped: cannot run \(script): \(error)\n".utf8))
            return false
        }
    }()

    /// `ratify ARGUMENTS...` run as a client in the client namespace.
    static func client(_ arguments: String...) throws -> RatifyCLI.Run {
        try RatifyCLI.run(command: [script, "exec", "client", NodeProcess.binary] + arguments)
    }
}
