import Foundation
import RatifyCore
import RatifyNet
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A peer that any host able to reach a node's p2p port could run: a throwaway node key, the
/// node's own handshake (`Handshake`: X25519, Ed25519 transcript signature) and frame sealing
/// (`FrameCipher`: ChaCha20-Poly1305 with counter nonces), over a plain blocking socket so a test
/// controls every byte and every read. After the handshake it sends whatever it is told to.
///
/// With `reading`, a thread drains and decrypts what the victim sends, remembering its latest
/// `peer_state` and a few real encoded messages of each kind (fuzzer seeds, old votes to replay).
/// Without it, nothing is read after the handshake: the victim's replies pile up on its side.
final class AdversaryPeer: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// What the reading thread saw.
    struct Observed: Sendable {
        var peerState: PeerState?
        /// Real messages from the victim, at most `samplesPerKindMax` per kind, oldest first.
        var samples: [NetMessage.Kind: [NetMessage]] = [:]
        var closed = false
    }

    static let samplesPerKindMax = 64
    static let ioTimeoutMillis = 5_000

    let chainID: String
    private let socket: Int32
    private let sender: Mutex<FrameCipher>
    private let observed = Mutex(Observed())
    private let closing = Atomic<Bool>(false)
    private let readerDone = DispatchSemaphore(value: 0)
    private let reading: Bool

    /// Connects to 127.0.0.1:`port` and completes the handshake as a fresh node key.
    /// `receiveBufferBytes` shrinks our socket's receive buffer (set before connecting, so the
    /// TCP window is small too): a non-reading peer then leaves the bytes on the victim's side.
    /// `source` binds the local end to that loopback address (127.0.0.0/8 is all loopback).
    init(port: UInt16, chainID: String, reading: Bool = true, receiveBufferBytes: Int32? = nil, source: String? = nil) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: errno \(errno)") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw Failure("bind \(source): errno \(errno)")
            }
        }
        var timeout = timeval(tv_sec: Self.ioTimeoutMillis / 1000, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var bytes = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw Failure("connect to 127.0.0.1:\(port): errno \(errno)")
        }
        let key = KeyPair.generate()
        do {
            var handshake = Handshake(role: .dialer, chainID: chainID, nodeKey: key, udpPort: 0, expectedPeer: nil)
            try Self.writeAll(fd, Self.frame(NetMessage.hello(handshake.hello).encoded))
            guard case .hello(let peerHello) = try NetMessage.decode(try Self.readFrame(fd).body, chainID: chainID) else {
                throw Failure("the victim's first frame is not a hello")
            }
            let (auth, keys) = try handshake.receive(peer: peerHello)
            var sender = FrameCipher(key: keys.tcpSend)
            var receiver = FrameCipher(key: keys.tcpReceive)
            try Self.writeAll(fd, try Self.sealedFrame(NetMessage.auth(auth).encoded, &sender))
            let authFrame = try Self.readFrame(fd)
            let opened = try receiver.open(authFrame.body, aad: authFrame.prefix)
            guard case .auth(let peerAuth) = try NetMessage.decode(opened, chainID: chainID) else {
                throw Failure("the victim's second frame is not an auth")
            }
            _ = try handshake.verify(peer: peerAuth)
            self.sender = Mutex(sender)
            self.socket = fd
            self.chainID = chainID
            self.reading = reading
            if reading {
                let box = ReceiverBox(receiver)
                Thread.detachNewThread { [self] in self.readLoop(box) }
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Sends messages, each in its own sealed frame, in one write; false once the session is gone
    /// (the victim closed it) or the victim has not taken the bytes within `ioTimeoutMillis`.
    @discardableResult
    func send(_ messages: [NetMessage]) -> Bool {
        sendPlaintexts(messages.map(\.encoded))
    }

    @discardableResult
    func send(_ message: NetMessage) -> Bool { send([message]) }

    /// Seals arbitrary plaintexts (the fuzzer's mutants): they pass the MAC and reach the decoder.
    @discardableResult
    func sendPlaintexts(_ plaintexts: [[UInt8]]) -> Bool {
        guard !closing.load(ordering: .relaxed) else { return false }
        return sender.withLock { cipher -> Bool in
            var bytes: [UInt8] = []
            for plaintext in plaintexts {
                guard let frame = try? Self.sealedFrame(plaintext, &cipher) else { return false }
                bytes += frame
            }
            return (try? Self.writeAll(socket, bytes)) != nil
        }
    }

    var snapshot: Observed { observed.withLock { $0 } }

    /// The victim's height and round as it last announced them.
    var victimHeight: Height? { snapshot.peerState?.height }

    /// True once the victim closed the session (seen by the reading thread).
    var isClosed: Bool { snapshot.closed }

    /// Waits (bounded) until the victim has announced its state.
    func waitForVictimState(seconds: Double = 10) -> PeerState? {
        _ = eventually(seconds: seconds) { snapshot.peerState != nil || snapshot.closed }
        return snapshot.peerState
    }

    func close() {
        guard !closing.exchange(true, ordering: .relaxed) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        // The reading thread ends on the shutdown; close the descriptor only after it, so the
        // number is not reused under it.
        if reading { _ = readerDone.wait(timeout: .now() + .seconds(Self.ioTimeoutMillis / 1000 + 1)) }
        Glibc.close(socket)
    }

    deinit { close() }

    // MARK: reading

    /// The receive cipher, handed to the one thread that uses it.
    private final class ReceiverBox: @unchecked Sendable {
        var cipher: FrameCipher
        init(_ cipher: FrameCipher) { self.cipher = cipher }
    }

    private func readLoop(_ box: ReceiverBox) {
        defer {
            observed.withLock { $0.closed = true }
            readerDone.signal()
        }
        while !closing.load(ordering: .relaxed) {
            let frame: (prefix: [UInt8], body: [UInt8])
            do {
                frame = try Self.readFrame(socket, limit: NetLimits.frameBytesMax, idleOK: { !self.closing.load(ordering: .relaxed) })
            } catch {
                return
            }
            guard let plaintext = try? box.cipher.open(frame.body, aad: frame.prefix),
                  let message = try? NetMessage.decode(plaintext, chainID: chainID) else { return }
            observed.withLock { observed in
                if case .peerState(let state) = message { observed.peerState = state }
                var kept = observed.samples[message.kind, default: []]
                if kept.count < Self.samplesPerKindMax { kept.append(message) }
                observed.samples[message.kind] = kept
            }
        }
    }

    // MARK: frames

    static func frame(_ body: [UInt8]) -> [UInt8] {
        lengthPrefix(body.count) + body
    }

    static func lengthPrefix(_ bytes: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes).bigEndian) { Array($0) }
    }

    /// A sealed TCP frame: the MAC binds the 4-byte length prefix (docs/NETWORK.md, "TCP frames").
    static func sealedFrame(_ plaintext: [UInt8], _ cipher: inout FrameCipher) throws -> [UInt8] {
        let prefix = lengthPrefix(plaintext.count + NetLimits.tagBytes)
        return prefix + (try cipher.seal(plaintext, aad: prefix))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.send(fd, base + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    throw Failure("send: errno \(errno) after \(offset) of \(buffer.count) bytes")
                }
            }
        }
    }

    /// Reads one frame; `idleOK` says whether a receive timeout should be waited out again.
    static func readFrame(_ fd: Int32, limit: Int = NetLimits.handshakeFrameBytesMax,
                          idleOK: () -> Bool = { false }) throws -> (prefix: [UInt8], body: [UInt8]) {
        let prefix = try readExactly(fd, 4, idleOK: idleOK)
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard length <= limit else { throw Failure("frame of \(length) bytes from the victim exceeds \(limit)") }
        return (prefix, try readExactly(fd, length, idleOK: idleOK))
    }

    static func readExactly(_ fd: Int32, _ count: Int, idleOK: () -> Bool) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let read = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return recv(fd, base + offset, count - offset, 0)
            }
            if read > 0 {
                offset += read
            } else if read < 0, errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && idleOK()) {
                continue
            } else {
                throw Failure(read == 0 ? "the victim closed the connection" : "recv: errno \(errno)")
            }
        }
        return bytes
    }
}
