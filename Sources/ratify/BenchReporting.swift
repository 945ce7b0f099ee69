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
enum BenchReporting {
    static func run<Document: BenchJSONDocument>(
        _ body: (@escaping @Sendable (String) -> Void) async throws -> Document, text: (Document) -> String,
        output: ReportOutputOptions
    ) async throws {
        let interactive = isatty(STDERR_FILENO) == 1
        let progress: @Sendable (String) -> Void = { line in
            let text = line.hasPrefix("[") && interactive ? "\r\u{1B}[2K" + line : line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        let document: Document
        do {
            document = try await body(progress)
        } catch let error as BenchError {
            throw StandardError.fail(error)
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        let json: Data
        do { json = try document.jsonData() } catch { throw StandardError.fail("cannot encode the report as JSON: \(error)") }
        try output.emit(text: text(document), json: String(decoding: json, as: UTF8.self))
    }
}
