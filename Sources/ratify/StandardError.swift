import ArgumentParser
import Foundation

/// Prints user-facing failures as one line each on stderr. Commands use `fail` instead of
/// throwing their errors to ArgumentParser, which would add usage text.
enum StandardError {
    static func write(_ message: Any) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// Writes `message` and returns the exit code to throw (status 1).
    static func fail(_ message: Any) -> ExitCode {
        write(message)
        return ExitCode.failure
    }
}
