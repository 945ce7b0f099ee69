import Testing
import RatifyCore

@Suite("peer addresses")
struct PeerAddressTests {
    @Test("a persistent_peers list parses with blanks, blank entries and IPv6; bad entries fail with a one-line reason")
    func peerAddresses() throws {
        let id = try #require(KeyPair(seed: [UInt8](repeating: 0x11, count: 32))).publicKey.address
        let peers = try PeerAddress.parseList(" \(id.hex)@127.0.0.1:26656, \(id.hex)@[::1]:7 ,").get()
        #expect(peers == [PeerAddress(nodeID: id, endpoint: HostPort(host: "127.0.0.1", port: 26656)),
                          PeerAddress(nodeID: id, endpoint: HostPort(host: "::1", port: 7))])
        #expect(throws: AddressProblem.self) { try PeerAddress.parse("abc@host:1").get() }
        #expect(throws: AddressProblem.self) { try PeerAddress.parse("\(id.hex)@host:70000").get() }
        #expect(throws: AddressProblem.self) { try PeerAddress.parse("\(id.hex)host:1").get() }
        // Entries are numbered as written, blanks included.
        #expect(throws: AddressProblem("entry 3: expected nodeid@host:port, got \"nope\"")) {
            try PeerAddress.parseList("\(id.hex)@127.0.0.1:1, ,nope").get()
        }
        // What a config file says is what the address prints: it parses back to itself.
        for peer in peers {
            #expect(peer.description.hasPrefix(id.hex + "@"))
            #expect(try PeerAddress.parse(peer.description).get() == peer)
        }
        #expect(peers[1].description == "\(id.hex)@[::1]:7")
    }
}
