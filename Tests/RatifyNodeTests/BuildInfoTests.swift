import Foundation
import RatifyTestSupport
import Testing
@testable import RatifyNode

/// The commit `ratify --version`, `/status` and `ratify_build_info` report, found with the real `git`.
@Suite("build info")
struct BuildInfoTests {
    /// `git ARGUMENTS...` in `directory`, its standard output.
    @discardableResult
    private func git(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", directory, "-c", "user.name=test", "-c", "user.email=test@example.org"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("git \(arguments): exit \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("in a Ratify checkout the commit is HEAD's, with -dirty once tracked files change; outside any checkout, or in another project's, there is none")
    func checkoutCommit() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let head = try git(["rev-parse", "HEAD"], in: here)
        let found = try #require(BuildInfo.checkoutCommit(containing: here))
        #expect(found == head || found == head + "-dirty", "\(found) against \(head)")

        let outside = try TemporaryDirectory()
        #expect(BuildInfo.checkoutCommit(containing: outside.path) == nil)

        let other = try TemporaryDirectory()
        try git(["init", "-q"], in: other.path)
        try #"let package = Package(name: "Other")"#.write(toFile: other.path + "/Package.swift", atomically: true, encoding: .utf8)
        try git(["add", "Package.swift"], in: other.path)
        try git(["commit", "-q", "-m", "other"], in: other.path)
        #expect(BuildInfo.checkoutCommit(containing: other.path) == nil, "another project's commit is not Ratify's")

        // Ratify's manifest in a checkout whose tracked files then change: its commit, marked dirty.
        try #"let package = Package(name: "Ratify")"#.write(toFile: other.path + "/Package.swift", atomically: true, encoding: .utf8)
        try "one\n".write(toFile: other.path + "/README.md", atomically: true, encoding: .utf8)
        try git(["add", "Package.swift", "README.md"], in: other.path)
        try git(["commit", "-q", "-m", "ratify"], in: other.path)
        let committed = try git(["rev-parse", "HEAD"], in: other.path)
        #expect(BuildInfo.checkoutCommit(containing: other.path) == committed)
        try "two\n".write(toFile: other.path + "/README.md", atomically: true, encoding: .utf8)
        #expect(BuildInfo.checkoutCommit(containing: other.path) == committed + "-dirty")
    }
}
