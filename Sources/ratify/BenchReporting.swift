import Foundation
import RatifyBench

/// A benchmark's result document: what `--json` writes.
protocol BenchJSONDocument {
    func jsonData() throws -> Data
}

extension BenchDocument: BenchJSONDocument {}
extension CompareDocument: BenchJSONDocument {}

/// How `ratify bench` commands run: progress on standard error (the live `[...]` line redrawn
/// in place on a terminal), then the text on standard output and the JSON to `jsonPath`.
enum BenchReporting {
    static func run<Document: BenchJSONDocument>(
        _ body: (@escaping @Sendable (String) -> Void) async throws -> Document, text: (Document) -> String,
        jsonPath: String?
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
        print(text(document))
        if let jsonPath {
            do {
                try document.jsonData().write(to: URL(fileURLWithPath: jsonPath))
            } catch {
                throw StandardError.fail("--json \(jsonPath): cannot write: \(error.localizedDescription)")
            }
            print("report: \(jsonPath)")
        }
    }
}
