#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Questions to the person at the keyboard: only when standard input is a terminal, so a
/// script or a test (stdin a pipe or /dev/null) never hangs on a prompt it cannot answer.
/// Prompts go to stderr, leaving stdout to the command's output.
public enum Terminal {
    /// Longest answer read: a passphrase or a 24-word phrase fits easily.
    static let lineBytesMax = 4096

    public static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// A line typed without echo (termios ECHO off, restored after), or nil without a terminal.
    public static func readSecret(prompt: String) -> String? {
        guard isInteractive else { return nil }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent) == 0 else { return nil }
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            writeStandardError("\n")  // the Enter the user typed was not echoed
        }
        writeStandardError(prompt)
        return readLine(strippingNewline: true).map { String($0.prefix(lineBytesMax)) }
    }

    /// A line typed with echo, or nil without a terminal.
    public static func ask(_ prompt: String) -> String? {
        guard isInteractive else { return nil }
        writeStandardError(prompt)
        return readLine(strippingNewline: true).map { String($0.prefix(lineBytesMax)) }
    }

    /// A line typed at a prompt on a terminal, or else the first line of standard input (for
    /// `echo "$PHRASE" | ratify keys add NAME --recover`); nil at end of input.
    public static func readLineOrPrompt(_ prompt: String) -> String? {
        if isInteractive { writeStandardError(prompt) }
        return readLine(strippingNewline: true).map { String($0.prefix(lineBytesMax)) }
    }

    /// "y" or "yes" to `question`; nil without a terminal (the caller refuses unless told --yes).
    public static func confirm(_ question: String) -> Bool? {
        guard let answer = ask(question + " [y/N] ") else { return nil }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    static func writeStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
