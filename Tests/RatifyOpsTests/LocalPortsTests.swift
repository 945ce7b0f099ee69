#if canImport(Glibc)
import Glibc
#endif
import RatifyNode
@testable import RatifyOps
import Testing

@Suite("local ports")
struct LocalPortsTests {
    @Test("a free base lies below the ephemeral range and every listener port from it binds; a held port does not")
    func freeBase() throws {
        let base = Int(try #require(LocalPorts.freeBase(nodes: 4)))
        #expect(LocalPorts.searchRange.contains(base) && base + 40 <= 32_768)
        for node in 0..<4 {
            #expect(LocalPorts.bindable(port: base + node * 10, type: SOCK_STREAM, host: "127.0.0.1"))
            #expect(LocalPorts.bindable(port: base + node * 10 + 2, type: SOCK_DGRAM, host: "127.0.0.1"))
        }
        // Hold the first port with a listener: it is no longer bindable.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(holder >= 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(base).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(holder, 1) == 0)
        #expect(!LocalPorts.bindable(port: base, type: SOCK_STREAM, host: "127.0.0.1"))
        #expect(!LocalPorts.bindable(port: base, type: SOCK_STREAM, host: "not an address"))
    }
}
