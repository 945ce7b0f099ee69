import ArgumentParser
import Foundation

/// Prints a user-facing failure as its one line on stderr and exits with status 1. Commands
/// use this instead of throwing their errors to ArgumentParser, which would add usage text.
enum StandardError {
    static func fail(_ message: Any) -> ExitCode {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return ExitCode.failure
    }
}
