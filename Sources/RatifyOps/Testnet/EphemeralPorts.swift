import Foundation
import RatifyNode

/// The kernel's ephemeral port range (Linux: /proc/sys/net/ipv4/ip_local_port_range), from
/// which outgoing connections take their local ports. A node whose listening port lies in it
/// can fail to start with "Address already in use" while another connection holds that port,
/// so `ratify testnet` warns when it hands out such ports.
public enum EphemeralPorts {
    public static let rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

    /// This machine's range, nil where the file is missing or unreadable.
    public static func current(file: String = rangeFile) -> ClosedRange<Int>? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// "32768\t60999\n" -> 32768...60999; nil for anything else.
    public static func parse(_ text: String) -> ClosedRange<Int>? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard fields.count == 2, let low = Int(fields[0]), let high = Int(fields[1]),
              low >= 1, low <= high, high <= Int(UInt16.max) else { return nil }
        return low...high
    }

    /// A one-line warning when any listening port of `plan` is inside `range`, else nil.
    public static func warning(for plan: TestnetGenerator.Plan, range: ClosedRange<Int>) -> String? {
        let ports = plan.nodes.flatMap { node -> [Int] in
            let config = node.config
            return [config.p2p.listenAddress.port, config.p2p.udpListenAddress.port, config.rpc.listenAddress.port,
                    config.instrumentation.prometheusListenAddress.port].map(Int.init)
        }
        let inside = ports.filter(range.contains)
        guard let lowest = inside.min(), let highest = inside.max() else { return nil }
        return "ports \(lowest)-\(highest) are inside this machine's ephemeral range \(range.lowerBound)-\(range.upperBound) "
            + "(\(rangeFile)): a node may fail to start with \"Address already in use\" while an outgoing connection holds "
            + "its port; choose --base-port below \(range.lowerBound)"
    }
}
