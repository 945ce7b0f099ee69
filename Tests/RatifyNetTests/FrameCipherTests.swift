import Testing
import RatifyCore
@testable import RatifyNet

@Suite("frame cipher and handshake keys")
struct FrameCipherTests {
    static let key = Bytes32([UInt8](repeating: 7, count: 32)) ?? .zero

    @Test("sealed frames open in order with the same key and never show the plaintext")
    func roundTrip() throws {
        var sender = FrameCipher(key: Self.key)
        var receiver = FrameCipher(key: Self.key)
        let plaintext = NetMessage.vote(NetSamples.vote()).encoded
        let first = try sender.seal(plaintext, aad: [1])
        let second = try sender.seal(plaintext, aad: [1])
        #expect(first != second, "counter nonces make equal plaintexts differ")
        #expect(first.count == plaintext.count + NetLimits.tagBytes)
        #expect(!first.contains(subsequence: plaintext.prefix(24)))
        #expect(try receiver.open(first, aad: [1]) == plaintext)
        #expect(try receiver.open(second, aad: [1]) == plaintext)
        #expect(receiver.counter == 2)
    }

    @Test("a flipped bit, wrong additional data, replay or reorder fails the MAC")
    func tamper() throws {
        var sender = FrameCipher(key: Self.key)
        let sealed = try sender.seal([1, 2, 3], aad: [9])
        var flipped = sealed
        flipped[1] ^= 0x01
        var receiver = FrameCipher(key: Self.key)
        #expect(throws: FrameCipher.Failure.badMAC) { try receiver.open(flipped, aad: [9]) }
        var receiver2 = FrameCipher(key: Self.key)
        #expect(throws: FrameCipher.Failure.badMAC) { try receiver2.open(sealed, aad: [8]) }
        var receiver3 = FrameCipher(key: Self.key)
        _ = try receiver3.open(sealed, aad: [9])
        #expect(throws: FrameCipher.Failure.badMAC) { try receiver3.open(sealed, aad: [9]) }
        var receiver4 = FrameCipher(key: Self.key)
        #expect(throws: FrameCipher.Failure.tooShort(bytes: 3)) { try receiver4.open([1, 2, 3]) }
    }

    @Test("the cipher refuses to seal once its nonce counter reaches the limit")
    func nonceLimit() throws {
        var sender = FrameCipher(key: Self.key, nonceLimit: 2)
        _ = try sender.seal([1])
        _ = try sender.seal([2])
        #expect(throws: FrameCipher.Failure.nonceExhausted) { try sender.seal([3]) }
    }

    @Test("both sides of a handshake derive mirrored keys and accept each other's auth")
    func handshakeKeys() throws {
        let a = NetSamples.nodeKey(0), b = NetSamples.nodeKey(1)
        var dialer = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: a, udpPort: 1, expectedPeer: b.publicKey.address)
        var acceptor = Handshake(role: .acceptor, chainID: NetSamples.chainID, nodeKey: b, udpPort: 2, expectedPeer: nil)
        let (dialerAuth, dialerKeys) = try dialer.receive(peer: acceptor.hello)
        let (acceptorAuth, acceptorKeys) = try acceptor.receive(peer: dialer.hello)
        #expect(dialerKeys.tcpSend == acceptorKeys.tcpReceive)
        #expect(dialerKeys.tcpReceive == acceptorKeys.tcpSend)
        #expect(dialerKeys.udpSend == acceptorKeys.udpReceive)
        #expect(dialerKeys.udpSendTag == acceptorKeys.udpReceiveTag)
        #expect(dialerKeys.tcpSend != dialerKeys.tcpReceive && dialerKeys.tcpSend != dialerKeys.udpSend)
        #expect(try dialer.verify(peer: acceptorAuth).peerNodeID == b.publicKey.address)
        #expect(try acceptor.verify(peer: dialerAuth).peerUDPPort == 1)
        // A signature reflected back to its maker is refused (roles differ).
        #expect(throws: HandshakeError.self) { try dialer.verify(peer: dialerAuth) }
    }

    @Test("the dialer refuses a peer whose node key is not the id it dialed, another chain and another protocol version")
    func handshakeChecks() {
        let a = NetSamples.nodeKey(0), b = NetSamples.nodeKey(1), c = NetSamples.nodeKey(2)
        var dialer = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: a, udpPort: 0, expectedPeer: c.publicKey.address)
        let acceptor = Handshake(role: .acceptor, chainID: NetSamples.chainID, nodeKey: b, udpPort: 0, expectedPeer: nil)
        #expect(throws: HandshakeError.wrongNodeID(dialed: c.publicKey.address, presented: b.publicKey.address)) {
            try dialer.receive(peer: acceptor.hello)
        }
        var other = Handshake(role: .dialer, chainID: "other", nodeKey: a, udpPort: 0, expectedPeer: nil)
        #expect(throws: HandshakeError.foreignChain(expected: "other", got: NetSamples.chainID)) { try other.receive(peer: acceptor.hello) }
        var selfish = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: b, udpPort: 0, expectedPeer: nil)
        #expect(throws: HandshakeError.selfConnection) { try selfish.receive(peer: acceptor.hello) }
        var older = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: a, udpPort: 0, expectedPeer: nil)
        var oldHello = acceptor.hello
        oldHello.version = HandshakeHello.protocolVersion - 1
        #expect(throws: HandshakeError.protocolVersion(ours: HandshakeHello.protocolVersion, peer: oldHello.version)) {
            try older.receive(peer: oldHello)
        }
        var lowOrder = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: a, udpPort: 0, expectedPeer: nil)
        var hello = acceptor.hello
        hello.ephemeralKey = .zero
        #expect(throws: HandshakeError.lowOrderKey) { try lowOrder.receive(peer: hello) }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: some Collection<UInt8>) -> Bool {
        let needle = Array(subsequence)
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if Array(self[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
