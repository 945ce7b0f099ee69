import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The path of the running binary: to start `ratify` again as a child, and to find the
/// checkout it was built in (`BuildInfo`).
public enum OwnExecutable {
    public static var path: String {
        #if os(Linux)
        if let resolved = realpath("/proc/self/exe", nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments.first ?? "ratify"
    }

    public static var directory: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }
}
