import Foundation
import RatifyNode

/// Resident memory and CPU time of the validator processes a run started, read from
/// `/proc/PID/stat` once a second (Linux only; elsewhere nothing).
public struct ProcessSample: Sendable, Equatable {
    public var rssBytes: UInt64
    public var cpuSeconds: Double

    public static func read(pid: Int32) -> ProcessSample? {
        ProcessStat.read(path: "/proc/\(pid)/stat").map { ProcessSample(rssBytes: $0.residentBytes, cpuSeconds: $0.cpuSeconds) }
    }
}
