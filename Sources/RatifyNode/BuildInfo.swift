import Foundation
import RatifyCore

/// The running build: the package version and the git commit it was built from, for
/// `ratify --version`, `/status` and `ratify_build_info`.
///
/// The commit is read when first asked, from the git checkout the running executable sits in
/// (SwiftPM builds into the checkout's `.build/`), with `git rev-parse HEAD`; `-dirty` follows
/// it when tracked files differ from that commit. A binary outside a Ratify checkout (copied
/// elsewhere, or no `git` on the machine) says `unknown` rather than guess. Nothing is generated
/// at build time, so a fresh clone builds with plain `swift build` and nothing stale is ever
/// committed; the price is that a checkout moved to another commit after the build reports
/// the new one until rebuilt (docs/NODE.md, "Version").
public struct BuildInfo: Sendable, Equatable, CustomStringConvertible {
    public var version: String
    public var commit: String

    public static let unknownCommit = "unknown"

    public init(version: String, commit: String) {
        self.version = version
        self.commit = commit
    }

    /// This process's build, looked up once.
    public static let current = BuildInfo(version: RatifyVersion.current,
                                          commit: checkoutCommit(containing: OwnExecutable.directory) ?? unknownCommit)

    /// `0.1.0 (commit 0123abcd...)`: what `ratify --version` prints.
    public var description: String { "\(version) (commit \(commit))" }

    /// The commit checked out in the Ratify repository that holds `directory`, or nil when
    /// `directory` is in no git checkout, in another project's, or git cannot be run.
    static func checkoutCommit(containing directory: String) -> String? {
        guard let lines = git(["-C", directory, "rev-parse", "--show-toplevel", "HEAD"])?.split(separator: "\n"),
              lines.count == 2 else { return nil }
        let root = String(lines[0]), head = String(lines[1])
        // The executable may sit in someone else's repository: only Ratify's own commit counts.
        guard head.count == 40, head.allSatisfy(\.isHexDigit),
              let manifest = try? String(contentsOfFile: root + "/Package.swift", encoding: .utf8),
              manifest.contains(#"name: "Ratify""#) else { return nil }
        guard let changed = git(["-C", root, "status", "--porcelain", "--untracked-files=no"]) else { return head }
        return changed.isEmpty ? head : head + "-dirty"
    }

    /// `git` with `arguments`; its standard output, or nil when it cannot run or fails.
    private static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
