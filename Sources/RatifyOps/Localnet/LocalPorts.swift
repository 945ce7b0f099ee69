#if canImport(Glibc)
import RatifyNode
import Glibc
#endif

/// Base ports for the throwaway testnets of tests, benchmarks and chaos runs. Each node uses
/// ten ports from its base (`NodeConfig(moniker:host:basePort:)`). The block is taken below
/// Linux's ephemeral range (32768 and up by default): there, any process's outgoing connection
/// may hold a port for a while, and a node that cannot bind its listener exits at start — a
/// collision that shows up as a testnet that never starts. Every TCP and UDP port the nodes
/// will listen on is checked bindable on `host` right now.
public enum LocalPorts {
    public static let searchRange = 20_000..<32_000

    /// A base port with `nodes` × 10 free ports from it, or nil if none was found in `attempts`
    /// random tries (a busy machine: the caller reports it).
    public static func freeBase(nodes: Int, host: String = "127.0.0.1", attempts: Int = 200) -> UInt16? {
        let span = max(nodes, 1) * 10
        let slots = (searchRange.count - span) / 10
        guard slots > 0 else { return nil }
        for _ in 0..<attempts {
            let base = searchRange.lowerBound + Int.random(in: 0..<slots) * 10
            let free = (0..<max(nodes, 1)).allSatisfy { node in
                let nodeBase = base + node * 10
                // p2p TCP, RPC, UDP votes, metrics: NodeConfig's layout.
                return bindable(port: nodeBase, type: SOCK_STREAM, host: host)
                    && bindable(port: nodeBase + 1, type: SOCK_STREAM, host: host)
                    && bindable(port: nodeBase + 2, type: SOCK_DGRAM, host: host)
                    && bindable(port: nodeBase + Int(NodeConfig.basePortSpan), type: SOCK_STREAM, host: host)
            }
            if free { return UInt16(base) }
        }
        return nil
    }

    static func bindable(port: Int, type: __socket_type, host: String) -> Bool {
        let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
