import Foundation
import RatifyBench

/// A benchmark's result document: what `--json` prints and `--json-file` writes.
protocol BenchJSONDocument {
    func jsonData() throws -> Data
}

extension BenchDocument: BenchJSONDocument {}
extension CompareDocument: BenchJSONDocument {}

/// How `ratify bench` commands run: progress on standard error (the live `[...]` line redrawn
/// in place on a terminal), then the text or the JSON on standard output, and the JSON file.
/// SIGINT or SIGTERM cancels the run: the localnet it started is stopped and its directory
/// removed, and the command fails without a report.
enum BenchReporting {
    static func run<Document: BenchJSONDocument & Sendable>(
        _ body: @escaping @Sendable (@escaping @Sendable (String) -> Void) async throws -> Document, text: (Document) -> String,
        output: ReportOutputOptions
    ) async throws {
        let interactive = isatty(STDERR_FILENO) == 1
        let progress: @Sendable (String) -> Void = { line in
            let text = line.hasPrefix("[") && interactive ? "\r\u{1B}[2K" + line : line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        let result = await Interruption.cancellingOnSignal { try await body(progress) }
        if Interruption.happened { throw StandardError.fail("interrupted; the benchmark's nodes were stopped") }
        let document: Document
        do {
            document = try result.get()
        } catch let error as BenchError {
            throw StandardError.fail(error)
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        let json: Data
        do { json = try document.jsonData() } catch { throw StandardError.fail("cannot encode the report as JSON: \(error)") }
        try output.emit(text: text(document), json: String(decoding: json, as: UTF8.self))
    }
}
