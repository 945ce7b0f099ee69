import RatifyCore
import RatifyNet

/// One authenticated, encrypted connection between a node (the dialer) and its remote signer
/// (the acceptor). The handshake is the peer handshake's (`Handshake`: X25519 ephemeral keys,
/// each side signs the transcript with its Ed25519 identity key) under the signer link's own
/// domain tag; the node proves it holds its node key, the signer its signer key. After it,
/// every frame is ChaCha20-Poly1305 under per-direction keys with counter nonces, its length
/// prefix bound into the MAC (`FrameCipher`, as peer sessions). docs/SIGNER.md, "The link".
final class SignerLink {
    let socket: SignerSocket
    let peerKey: PublicKey
    private var sender: FrameCipher
    private var receiver: FrameCipher

    private init(socket: SignerSocket, peerKey: PublicKey, sender: FrameCipher, receiver: FrameCipher) {
        self.socket = socket
        self.peerKey = peerKey
        self.sender = sender
        self.receiver = receiver
    }

    /// The node's side: connects to the signer at `address` and completes the handshake within
    /// `timeoutMillis`, refusing a signer whose key's address is not `expectedSigner`.
    static func dial(_ address: HostPort, chainID: String, nodeKey: KeyPair, expectedSigner: NodeID,
                     timeoutMillis: Int) throws(SignerLinkError) -> SignerLink {
        let deadline = Deadline(afterMillis: timeoutMillis)
        let socket = try SignerSocket.connect(address, timeoutMillis: timeoutMillis)
        let handshake = Handshake(role: .dialer, chainID: chainID, nodeKey: nodeKey, udpPort: 0, expectedPeer: expectedSigner,
                                  domainTag: Handshake.signerLinkDomainTag)
        return try establish(socket, handshake, until: deadline)
    }

    /// The signer's side: completes the handshake on an accepted connection within
    /// `timeoutMillis`, then refuses a node whose key's address is not in `allowedNodes`.
    static func accept(_ socket: SignerSocket, chainID: String, signerKey: KeyPair, allowedNodes: Set<NodeID>,
                       timeoutMillis: Int) throws(SignerLinkError) -> SignerLink {
        let handshake = Handshake(role: .acceptor, chainID: chainID, nodeKey: signerKey, udpPort: 0, expectedPeer: nil,
                                  domainTag: Handshake.signerLinkDomainTag)
        let link = try establish(socket, handshake, until: Deadline(afterMillis: timeoutMillis))
        guard allowedNodes.contains(link.peerKey.address) else { throw .notAllowed(link.peerKey.address) }
        return link
    }

    private static func establish(_ socket: SignerSocket, _ start: Handshake, until deadline: Deadline) throws(SignerLinkError) -> SignerLink {
        var handshake = start
        try socket.writeFrame(handshake.hello.canonicalBytes, until: deadline)
        let helloBytes = try socket.readFrame(until: deadline)
        let peerHello: HandshakeHello
        do {
            peerHello = try HandshakeHello(canonicalBytes: helloBytes)
        } catch {
            throw .malformed("hello: \(error)")
        }
        let auth: HandshakeAuth, keys: SessionKeys
        do {
            (auth, keys) = try handshake.receive(peer: peerHello)
        } catch {
            throw .handshake(error)
        }
        var sender = FrameCipher(key: keys.tcpSend)
        var receiver = FrameCipher(key: keys.tcpReceive)
        try socket.writeFrame(try seal(auth.canonicalBytes, with: &sender), until: deadline)
        let opened = try open(try socket.readFrame(until: deadline), with: &receiver)
        let peerAuth: HandshakeAuth
        do {
            peerAuth = try HandshakeAuth(canonicalBytes: opened)
        } catch {
            throw .malformed("auth: \(error)")
        }
        do {
            let result = try handshake.verify(peer: peerAuth)
            return SignerLink(socket: socket, peerKey: result.peerNodeKey, sender: sender, receiver: receiver)
        } catch {
            throw .handshake(error)
        }
    }

    /// Seals and sends one message.
    func send(_ message: [UInt8], until deadline: Deadline) throws(SignerLinkError) {
        guard message.count + NetLimits.tagBytes <= SignerSocket.frameBytesMax else {
            throw .malformed("message of \(message.count) bytes is too large for the link")
        }
        try socket.writeFrame(try Self.seal(message, with: &sender), until: deadline)
    }

    /// Receives and opens one message; a nil deadline waits while the connection is open.
    func receive(until deadline: Deadline?) throws(SignerLinkError) -> [UInt8] {
        try Self.open(try socket.readFrame(until: deadline), with: &receiver)
    }

    func close() { socket.close() }

    private static func seal(_ message: [UInt8], with cipher: inout FrameCipher) throws(SignerLinkError) -> [UInt8] {
        do {
            return try cipher.seal(message, aad: SignerSocket.lengthPrefix(message.count + NetLimits.tagBytes))
        } catch {
            throw .closed("\(error)")
        }
    }

    private static func open(_ sealed: [UInt8], with cipher: inout FrameCipher) throws(SignerLinkError) -> [UInt8] {
        do {
            return try cipher.open(sealed, aad: SignerSocket.lengthPrefix(sealed.count))
        } catch {
            throw .malformed("\(error)")
        }
    }
}
