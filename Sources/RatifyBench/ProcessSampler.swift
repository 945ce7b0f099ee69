import Foundation

/// Resident memory and CPU time of the validator processes a run started, read from
/// `/proc/PID/status` and `/proc/PID/stat` once a second (Linux only; elsewhere nothing).
public struct ProcessSample: Sendable, Equatable {
    public var rssBytes: UInt64
    public var cpuSeconds: Double

    public static func read(pid: Int32) -> ProcessSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) else { return nil }
        // Fields after the command name (which may hold spaces, so split after its ")").
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessSample(rssBytes: kilobytes * 1_024, cpuSeconds: (user + system) / max(ticks, 1))
    }
}
