import Foundation

/// The machine a run was measured on, and how busy it was: figures mean little without it.
public struct MachineInfo: Sendable, Codable, Equatable {
    public var cores: Int
    public var cpuModel: String
    public var kernel: String
    public var memoryBytes: UInt64
    /// `/proc/loadavg`'s 1-, 5- and 15-minute averages when the run started and ended.
    public var loadAverageStart: [Double]
    public var loadAverageEnd: [Double]

    enum CodingKeys: String, CodingKey {
        case cores, cpuModel = "cpu_model", kernel, memoryBytes = "memory_bytes"
        case loadAverageStart = "load_average_start", loadAverageEnd = "load_average_end"
    }

    public static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let system = withUnsafeBytes(of: &name.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let load = loadAverage()
        return MachineInfo(cores: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model, kernel: "\(system) \(release)",
                           memoryBytes: ProcessInfo.processInfo.physicalMemory, loadAverageStart: load, loadAverageEnd: load)
    }

    public static func loadAverage() -> [Double] {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}
