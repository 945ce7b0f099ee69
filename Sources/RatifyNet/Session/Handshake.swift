import RatifyCore

/// The handshake as a value type, with no I/O: `HandshakeHandler` feeds it frames. Tests drive
/// it directly to play a peer that misbehaves on purpose. docs/NETWORK.md, "Handshake":
///
///  1. Both sides send `hello` (plaintext): version, chain id, node key, fresh X25519 key, UDP port.
///  2. On the peer's hello: check the chain id, the dialed node id, not-ourselves; derive keys;
///     send `auth` sealed with the first TCP nonce: an Ed25519 signature with the node key over
///     `"ratify/p2p-handshake/v1" || role || SHA-256(transcript)`, where
///     `transcript = "ratify/p2p-handshake/v1" || chain id || dialer hello || acceptor hello`.
///  3. On the peer's auth: verify it against the peer's node key and the peer's role.
public struct Handshake: Sendable {
    public enum Role: Sendable, Equatable {
        case dialer
        case acceptor

        var label: String { self == .dialer ? "dialer" : "acceptor" }
        var other: Role { self == .dialer ? .acceptor : .dialer }
    }

    public static let domainTag = "ratify/p2p-handshake/v1"
    /// The remote signer's link (docs/SIGNER.md): the same construction under its own tag, so
    /// no transcript signature of one protocol is ever valid in the other.
    public static let signerLinkDomainTag = "ratify/signer-handshake/v1"

    public struct Result: Sendable {
        public let role: Role
        public let peerNodeKey: PublicKey
        public var peerNodeID: NodeID { peerNodeKey.address }
        public let peerUDPPort: UInt16
        public let keys: SessionKeys
        public let transcriptHash: Hash
    }

    public let role: Role
    public let chainID: String
    public let domainTag: String
    public let hello: HandshakeHello
    let nodeKey: KeyPair
    let expectedPeer: NodeID?
    let ephemeral: EphemeralKeyPair
    private var peerHello: HandshakeHello?
    private var transcriptHash: Hash?
    private var keys: SessionKeys?

    public init(role: Role, chainID: String, nodeKey: KeyPair, udpPort: UInt16, expectedPeer: NodeID?,
                domainTag: String = Handshake.domainTag) {
        self.role = role
        self.chainID = chainID
        self.domainTag = domainTag
        self.nodeKey = nodeKey
        self.expectedPeer = expectedPeer
        self.ephemeral = EphemeralKeyPair()
        self.hello = HandshakeHello(chainID: chainID, nodeKey: nodeKey.publicKey,
                                    ephemeralKey: ephemeral.publicKey, udpPort: udpPort)
    }

    /// Step 2: takes the peer's hello; returns the auth to seal and send, and the session keys.
    public mutating func receive(peer: HandshakeHello) throws(HandshakeError) -> (auth: HandshakeAuth, keys: SessionKeys) {
        guard peerHello == nil else { throw .unexpectedMessage("second hello") }
        guard peer.version == HandshakeHello.protocolVersion else {
            throw .protocolVersion(ours: HandshakeHello.protocolVersion, peer: peer.version)
        }
        guard peer.chainID == chainID else { throw .foreignChain(expected: chainID, got: peer.chainID) }
        if let expectedPeer, peer.nodeKey.address != expectedPeer {
            throw .wrongNodeID(dialed: expectedPeer, presented: peer.nodeKey.address)
        }
        guard peer.nodeKey != nodeKey.publicKey else { throw .selfConnection }
        guard let (receive, transmit) = ephemeral.sessionKeys(peer: peer.ephemeralKey, isDialer: role == .dialer) else {
            throw .lowOrderKey
        }
        let (dialerHello, acceptorHello) = role == .dialer ? (hello, peer) : (peer, hello)
        let transcript = Handshake.transcriptHash(chainID: chainID, dialer: dialerHello, acceptor: acceptorHello, domainTag: domainTag)
        let keys = SessionKeys(receive: receive, transmit: transmit, transcriptHash: transcript)
        peerHello = peer
        transcriptHash = transcript
        self.keys = keys
        let signature = nodeKey.sign(Handshake.signBytes(role: role, transcriptHash: transcript, domainTag: domainTag))
        return (HandshakeAuth(signature: signature), keys)
    }

    /// Step 3: verifies the peer's auth; the handshake is complete when this returns.
    public func verify(peer auth: HandshakeAuth) throws(HandshakeError) -> Result {
        guard let peerHello, let transcriptHash, let keys else { throw .unexpectedMessage("auth before hello") }
        let message = Handshake.signBytes(role: role.other, transcriptHash: transcriptHash, domainTag: domainTag)
        guard peerHello.nodeKey.verify(auth.signature, message: message) else {
            throw .badSignature(peer: peerHello.nodeKey.address)
        }
        return Result(role: role, peerNodeKey: peerHello.nodeKey, peerUDPPort: peerHello.udpPort,
                      keys: keys, transcriptHash: transcriptHash)
    }

    public static func transcriptHash(chainID: String, dialer: HandshakeHello, acceptor: HandshakeHello,
                                      domainTag: String = Handshake.domainTag) -> Hash {
        var writer = ByteWriter(capacity: 320)
        writer.writeString(domainTag)
        writer.writeString(chainID)
        writer.write(dialer)
        writer.write(acceptor)
        return Hash.sha256(writer.bytes)
    }

    public static func signBytes(role: Role, transcriptHash: Hash, domainTag: String = Handshake.domainTag) -> [UInt8] {
        var writer = ByteWriter(capacity: 96)
        writer.writeString(domainTag)
        writer.writeString(role.label)
        writer.write(transcriptHash)
        return writer.bytes
    }
}
